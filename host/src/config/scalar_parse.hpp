#pragma once
// Unquoted YAML scalars of an experiment file as booleans and numbers: none when the node is
// not one (the caller reports it with its key).
#include "config/config_node.hpp"

#include <cstdint>
#include <optional>

namespace mmkd {

enum class ScalarProblem { none, wrong_type, out_of_range };

// true or false, in any case.
std::optional<bool> bool_scalar(const ConfigNode& node);

// [+-]digits that int64 holds; `problem` (when given) says why not.
std::optional<int64_t> int_scalar(const ConfigNode& node, ScalarProblem* problem = nullptr);

// An integer or decimal (1, 1.5, .5, 1e-3, +2E+4) that a double holds, or .inf, -.inf, .nan.
std::optional<double> float_scalar(const ConfigNode& node, ScalarProblem* problem = nullptr);

}  // namespace mmkd
