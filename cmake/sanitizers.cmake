# SLUICE_SANITIZE=address,undefined | thread: applied to every target we build.
set(SLUICE_SANITIZE "" CACHE STRING "Sanitizers to build with (address,undefined or thread)")
if(SLUICE_SANITIZE)
  add_compile_options(-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${SLUICE_SANITIZE})
  if(SLUICE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# A ThreadSanitizer build's programs carry cmake/tsan.supp themselves
# (__tsan_default_suppressions), so that running one by hand, not through
# ctest's tsan preset (which passes the same file), applies the same rules.
# Add ${SLUICE_TSAN_DEFAULT_SUPPRESSIONS} to a program's sources.
set(SLUICE_TSAN_DEFAULT_SUPPRESSIONS "")
if(SLUICE_SANITIZE MATCHES "thread")
  file(READ ${CMAKE_CURRENT_LIST_DIR}/tsan.supp SLUICE_TSAN_SUPPRESSIONS)
  set(SLUICE_TSAN_DEFAULT_SUPPRESSIONS ${PROJECT_BINARY_DIR}/tsan_default_suppressions.cpp)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/tsan_default_suppressions.cpp.in
                 ${SLUICE_TSAN_DEFAULT_SUPPRESSIONS} @ONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/tsan.supp)
endif()
