# sluice_add_test(NAME SOURCES... [LIBS ...] [LABELS ...]): a GoogleTest binary
# whose cases CTest discovers. Label `sanitize` (unit and stress tests that
# matter for the sanitizers) puts it in the debug and tsan runs.
#
# gtest_discover_tests splits property values on ';', so each test gets one
# label (`sanitize` wins), and the sanitizer options live in the test presets
# (CMakePresets.json), not in per-test ENVIRONMENT properties.
add_custom_target(sanitize_tests)
function(sluice_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  sluice_warnings(${name})
  if("sanitize" IN_LIST T_LABELS)
    add_dependencies(sanitize_tests ${name})
    set(label sanitize)
  else()
    list(GET T_LABELS 0 label)
  endif()
  # NO_PRETTY_VALUES: a parameter without a printer would name the test by its
  # bytes (pointers included), a different name in every build.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 NO_PRETTY_VALUES PROPERTIES LABELS ${label})
endfunction()
