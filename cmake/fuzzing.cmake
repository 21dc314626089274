# SLUICE_FUZZ=ON: libFuzzer targets (tests/fuzz/), Clang only. Every target we
# build gets libFuzzer's coverage instrumentation, so that the fuzzer is guided
# by the DSL's and the runtime's branches, not only its own; the `fuzz` preset
# adds AddressSanitizer + UBSan through SLUICE_SANITIZE.
option(SLUICE_FUZZ "Build the libFuzzer targets (Clang only)" OFF)
if(SLUICE_FUZZ)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-fsanitize=fuzzer-no-link)
  else()
    message(WARNING "SLUICE_FUZZ needs Clang (this is ${CMAKE_CXX_COMPILER_ID}): no fuzz targets")
    set(SLUICE_FUZZ OFF)
  endif()
endif()
