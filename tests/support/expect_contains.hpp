#pragma once
// EXPECT_CONTAINS(text, part): `text` (a std::string or C string) holds `part`; prints `text` when not.
#include <gtest/gtest.h>

#include <string>

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)
