include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS mmkd EXPORT mmkdTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS mmkd_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/host/include/mmkd DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mmkdTargets NAMESPACE mmkd:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmkd)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mmkdConfig.cmake.in
  ${CMAKE_BINARY_DIR}/mmkdConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmkd)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mmkdConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mmkdConfig.cmake ${CMAKE_BINARY_DIR}/mmkdConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/MmkdPlugin.cmake DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mmkd)
