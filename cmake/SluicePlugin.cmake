# Building and hosting sluice plugins. Shipped with the SDK (included by
# sluiceConfig.cmake) and used in-tree.
#
#   find_package(sluice REQUIRED)
#   sluice_add_plugin(stamp SOURCES stamp.cpp)   # -> stamp.so
#
# sluice_add_plugin(NAME SOURCES... [OUTPUT_DIRECTORY DIR]): a MODULE library
# named NAME.so (no "lib": it is loaded, never linked), built against the
# headers only (sluice::sdk), with every symbol hidden but the entry point
# SLUICE_PLUGIN declares. Its references to the SDK are left undefined and
# resolved at load time from the host, which exports them.
function(sluice_add_plugin name)
  cmake_parse_arguments(P "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "sluice_add_plugin(${name}): no SOURCES")
  endif()
  add_library(${name} MODULE ${P_SOURCES})
  target_link_libraries(${name} PRIVATE sluice::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
  if(P_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY})
  endif()
endfunction()

# sluice_plugin_host(TARGET): an executable that loads plugins
# (sluice::open_plugin) exports the SDK to them: its symbols go to the dynamic
# symbol table (ENABLE_EXPORTS, -rdynamic) and the whole of the runtime
# library is linked in, not only the objects the program itself uses.
function(sluice_plugin_host target)
  if(TARGET sluice::runtime)
    set(runtime sluice::runtime)
  else()
    set(runtime sluice_runtime)
  endif()
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  # Before the program's own objects, so that every member is taken; the
  # library's ordinary place later in the link line then adds nothing twice.
  # (A WHOLE_ARCHIVE link feature would repeat it where CMake repeats static
  # libraries, defining each member twice.)
  target_link_libraries(${target} PRIVATE ${runtime})
  target_link_options(${target} PRIVATE "LINKER:--whole-archive" "$<TARGET_FILE:${runtime}>"
                      "LINKER:--no-whole-archive")
endfunction()
