# mmkd_add_plugin(NAME SOURCES src... [TESTS test_src...] [LIBRARIES lib...])
# Builds one plugin as a MODULE library named mmkd_NAME.so. In the mmkd source tree the
# TESTS become a GoogleTest executable registered with ctest.
include_guard(GLOBAL)

function(mmkd_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;TESTS;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "mmkd_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${name} PRIVATE mmkd::mmkd ${PLUGIN_LIBRARIES})
  if(NOT MMKD_PLUGIN_OUTPUT_DIR)
    set(MMKD_PLUGIN_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "mmkd_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${MMKD_PLUGIN_OUTPUT_DIR})
  if(MMKD_IN_TREE)
    set_property(GLOBAL APPEND PROPERTY MMKD_IN_TREE_PLUGINS ${name})
    target_precompile_headers(${name} REUSE_FROM mmkd_plugin_pch)
    install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/mmkd/plugins)
    if(PLUGIN_TESTS AND MMKD_BUILD_TESTS)
      add_executable(${name}_test ${PLUGIN_TESTS})
      target_link_libraries(${name}_test PRIVATE mmkd_testing ${PLUGIN_LIBRARIES})
      target_precompile_headers(${name}_test REUSE_FROM mmkd_testing_pch)
      set_target_properties(${name}_test PROPERTIES POSITION_INDEPENDENT_CODE OFF)
      add_dependencies(${name}_test ${name})
      gtest_discover_tests(${name}_test DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)
    endif()
  endif()
endfunction()
