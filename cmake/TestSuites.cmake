# mmkd_add_test_suites(TARGET [TIMEOUT seconds] [COST_PER_TEST n]): one ctest test per GoogleTest
# suite of the executable TARGET, named after the suite and run as `TARGET --gtest_filter=SUITE.*`.
# The suites are listed when ctest starts (test_suites_ctest.cmake), so a new test needs no
# reconfigure. One process per suite instead of one per test: most of a unit test's time is
# the process start-up (libtorch and the plugins).
include_guard(GLOBAL)
set(MMKD_TEST_SUITES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_suites_ctest.cmake)

function(mmkd_add_test_suites target)
  cmake_parse_arguments(SUITES "" "TIMEOUT;COST_PER_TEST" "" ${ARGN})
  if(NOT SUITES_TIMEOUT)
    set(SUITES_TIMEOUT 600)
  endif()
  if(NOT SUITES_COST_PER_TEST)
    set(SUITES_COST_PER_TEST 1)
  endif()
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  file(GENERATE OUTPUT ${include_file} CONTENT
"set(executable \"$<TARGET_FILE:${target}>\")
set(target ${target})
set(timeout ${SUITES_TIMEOUT})
set(cost_per_test ${SUITES_COST_PER_TEST})
include(\"${MMKD_TEST_SUITES_SCRIPT}\")
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
