# sluice_add_test(NAME SOURCES... [LIBS ...] [LABELS ...]): a GoogleTest binary
# whose cases CTest discovers. Label `sanitize` puts it in the debug/tsan runs.
set(SLUICE_TSAN_SUPPRESSIONS ${CMAKE_SOURCE_DIR}/cmake/tsan.supp)
# The test binaries the sanitizer presets build and run (label `sanitize`).
add_custom_target(sanitize_tests)
function(sluice_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  sluice_warnings(${name})
  if("sanitize" IN_LIST T_LABELS)
    add_dependencies(sanitize_tests ${name})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "TSAN_OPTIONS=suppressions=${SLUICE_TSAN_SUPPRESSIONS} halt_on_error=1 second_deadlock_stack=1;ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
