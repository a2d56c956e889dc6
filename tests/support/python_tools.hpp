#pragma once
// Tests that compare mmkd with the Python ecosystem (transformers, timm, sentence-transformers)
// run a script of tools/ with the Python of scripts/python-env, which scripts/test names in
// the environment variable MMKD_PYTHON. Without it they skip, naming what to do.
#include <gtest/gtest.h>

#include <string>

namespace mmkd::testing {

std::string python();  // $MMKD_PYTHON, empty when unset

// Runs `python tools/<script> <arguments>` from the source root, offline (HF_HUB_OFFLINE=1);
// returns its output, throws mmkd::Error with that output when it fails.
std::string run_python_tool(const std::string& script, const std::string& arguments);

}  // namespace mmkd::testing

#define MMKD_REQUIRE_PYTHON()                                                                            \
  if (mmkd::testing::python().empty())                                                                   \
  GTEST_SKIP() << "MMKD_PYTHON is not set: scripts/test sets it to the Python of scripts/python-env, " \
                  "which has the packages of tools/requirements.txt"
