#include <mmkd/component.hpp>
#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace mmkd {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Dataset: return "dataset";
    case Kind::Teacher: return "teacher";
    case Kind::Encoder: return "encoder";
    case Kind::Loss: return "loss";
    case Kind::Evaluator: return "evaluator";
    case Kind::Logger: return "logger";
  }
  return "?";
}

std::vector<Kind> all_kinds() {
  return {Kind::Dataset, Kind::Teacher, Kind::Encoder, Kind::Loss, Kind::Evaluator, Kind::Logger};
}

ComponentInfo::ComponentInfo(std::string type_name, std::string description)
    : type(std::move(type_name)), doc(std::move(description)) {}

ComponentInfo& ComponentInfo::set_default(const std::string& name, OptionValue value) {
  for (auto& option : options)
    if (option.name == name) {
      option.default_value = std::move(value);
      return *this;
    }
  throw std::logic_error(type + ": set_default of `" + name + "`, which is not declared");
}

ComponentInfo& ComponentInfo::input(std::string name, std::string description, std::string default_source) {
  inputs.push_back({std::move(name), std::move(description), false, std::move(default_source)});
  return *this;
}

ComponentInfo& ComponentInfo::optional_input(std::string name, std::string description) {
  inputs.push_back({std::move(name), std::move(description), true, ""});
  return *this;
}

ComponentInfo& ComponentInfo::output(std::string name, std::string description) {
  outputs.push_back({std::move(name), std::move(description), false, ""});
  return *this;
}

ComponentInfo& ComponentInfo::optional_output(std::string name, std::string description) {
  outputs.push_back({std::move(name), std::move(description), true, ""});
  return *this;
}

ComponentInfo& ComponentInfo::outputs_from(OutputsFn fn) {
  dynamic_outputs = std::move(fn);
  return *this;
}

std::vector<Port> ComponentInfo::outputs_for(const Options& options) const {
  return dynamic_outputs ? dynamic_outputs(options) : outputs;
}

TensorMap Loss::evaluate(const TensorMap& /*inputs*/) {
  throw Error("this loss has no head an evaluator can run: only losses overriding Loss::evaluate (itm, image_vq) "
              "can be named by an evaluator's `loss` option");
}

std::vector<TableCell> Evaluator::table(const std::map<std::string, double>& metrics) const {
  std::vector<TableCell> cells;
  for (const auto& [name, value] : metrics) cells.push_back({{name}, fmt::format("{:.4f}", value)});
  return cells;
}

}  // namespace mmkd
