# mmkd_add_plugin(NAME SOURCES src... [TESTS test_src...] [LIBRARIES lib...])
# Builds one plugin as a MODULE library named mmkd_NAME.so from an object library NAME_objects.
# In the mmkd source tree the TESTS become a GoogleTest executable registered with ctest that
# links the same objects, so each plugin source is compiled once.
include_guard(GLOBAL)

function(mmkd_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;TESTS;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "mmkd_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name}_objects OBJECT ${PLUGIN_SOURCES})
  target_link_libraries(${name}_objects PUBLIC mmkd::mmkd ${PLUGIN_LIBRARIES})
  set_target_properties(${name}_objects PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # A plugin built without a build type (the documented out-of-tree commands) is still optimised.
  target_compile_options(${name}_objects PRIVATE $<$<CONFIG:>:-O2>)
  target_compile_definitions(${name}_objects PRIVATE $<$<CONFIG:>:NDEBUG>)

  add_library(${name} MODULE $<TARGET_OBJECTS:${name}_objects>)
  target_link_libraries(${name} PRIVATE mmkd::mmkd ${PLUGIN_LIBRARIES})
  if(NOT MMKD_PLUGIN_OUTPUT_DIR)
    set(MMKD_PLUGIN_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "mmkd_${name}"
    LIBRARY_OUTPUT_DIRECTORY ${MMKD_PLUGIN_OUTPUT_DIR})
  if(MMKD_IN_TREE)
    set_property(GLOBAL APPEND PROPERTY MMKD_IN_TREE_PLUGINS ${name})
    target_precompile_headers(${name}_objects REUSE_FROM mmkd_pch)
    install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/mmkd/plugins)
    if(PLUGIN_TESTS AND MMKD_BUILD_TESTS)
      mmkd_add_test_executable(${name}_test SOURCES ${PLUGIN_TESTS} $<TARGET_OBJECTS:${name}_objects>)
      target_link_libraries(${name}_test PRIVATE ${PLUGIN_LIBRARIES})
      add_dependencies(${name}_test ${name})
    endif()
  endif()
endfunction()

# mmkd_add_tool(TARGET COMMAND name SOURCES src... LIBRARIES lib...): the executable mmkd-<name>
# that `mmkd <name>` runs (a plugin's command-line tool), installed beside mmkd and built by
# mmkd_runtime.
function(mmkd_add_tool target)
  cmake_parse_arguments(TOOL "" "COMMAND" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${target} ${TOOL_SOURCES})
  target_link_libraries(${target} PRIVATE ${TOOL_LIBRARIES} CLI11::CLI11)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME mmkd-${TOOL_COMMAND}
                                             INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  set_property(GLOBAL APPEND PROPERTY MMKD_TOOLS ${target})
endfunction()
