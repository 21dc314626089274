# `cmake --install`: the SDK headers, the static libraries, the `sluice`
# command and a CMake package (sluiceConfig.cmake, its version file, the
# exported targets and SluicePlugin.cmake), so that an out-of-tree plugin does
#   find_package(sluice REQUIRED)
#   sluice_add_plugin(myplugin SOURCES myplugin.cpp)
# Exported names: sluice::sdk, sluice::headers, sluice::runtime, sluice::expr,
# sluice::builtins, sluice::framework.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SLUICE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)

foreach(t sdk headers runtime expr builtins framework)
  set_target_properties(sluice_${t} PROPERTIES EXPORT_NAME ${t})
endforeach()
install(TARGETS sluice_sdk sluice_headers sluice_runtime sluice_expr sluice_builtins
                sluice_framework
        EXPORT sluiceTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/sluice
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(TARGETS sluice RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT sluiceTargets NAMESPACE sluice:: DESTINATION ${SLUICE_INSTALL_CMAKEDIR})

# The pkg-config modules the static libraries link (PkgConfig::RE2,
# PkgConfig::NATS...), recreated by the package config: `PREFIX=module;...`.
set(SLUICE_PKG_CONFIG_DEPS "")
foreach(t sluice_runtime sluice_expr sluice_builtins)
  get_target_property(libs ${t} LINK_LIBRARIES)
  foreach(lib IN LISTS libs)
    if(lib MATCHES "^PkgConfig::(.+)$")
      set(prefix ${CMAKE_MATCH_1})
      if(${prefix}_MODULE_NAME)
        set(module ${${prefix}_MODULE_NAME})
      else()
        string(TOLOWER ${prefix} module)
      endif()
      list(APPEND SLUICE_PKG_CONFIG_DEPS "${prefix}=${module}")
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES SLUICE_PKG_CONFIG_DEPS)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sluiceConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
                              INSTALL_DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
# 0.x: a minor version is a new ABI (kPluginAbiVersion is checked at load time anyway).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
              ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/SluicePlugin.cmake
        DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
