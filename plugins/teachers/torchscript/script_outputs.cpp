#include "script_outputs.hpp"

#include <mmkd/error.hpp>

#include <c10/util/StringUtil.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mmkd::torchscript {

namespace {

std::string count_text(size_t count, const char* what) {
  return fmt::format("{} {}{}", count, what, count == 1 ? "" : "s");
}

torch::Tensor tensor_of(const c10::IValue& value, const std::string& name) {
  if (!value.isTensor())
    throw Error(
        fmt::format("the TorchScript module returned a {} for output `{}`, not a Tensor", value.tagKind(), name));
  return value.toTensor();
}

TensorMap by_position(const std::vector<c10::IValue>& values, const std::vector<std::string>& names) {
  if (values.size() != names.size())
    throw Error(fmt::format("the TorchScript module returned {}, but `outputs` names {}: {}",
                            count_text(values.size(), "value"), count_text(names.size(), "output"),
                            fmt::join(names, ", ")));
  TensorMap out;
  for (size_t i = 0; i < values.size(); ++i) out[names[i]] = tensor_of(values[i], names[i]);
  return out;
}

TensorMap by_key(const c10::Dict<c10::IValue, c10::IValue>& dict, const std::vector<std::string>& names) {
  TensorMap out;
  for (const auto& name : names) {
    auto it = dict.find(c10::IValue(name));
    if (it == dict.end()) {
      std::vector<std::string> keys;
      for (const auto& entry : dict)
        keys.push_back(entry.key().isString() ? entry.key().toStringRef() : c10::str(entry.key()));
      throw Error(fmt::format("the TorchScript module returned a dict without `{}`; its keys: {}", name,
                              fmt::join(keys, ", ")));
    }
    out[name] = tensor_of(it->value(), name);
  }
  return out;
}

}  // namespace

TensorMap named_outputs(const c10::IValue& result, const std::vector<std::string>& names) {
  if (result.isTensor()) return by_position({result}, names);
  if (result.isTuple()) return by_position(result.toTupleRef().elements().vec(), names);
  if (result.isList()) return by_position(result.toList().vec(), names);
  if (result.isGenericDict()) return by_key(result.toGenericDict(), names);
  throw Error(fmt::format("the TorchScript module returned a {}; expected a Tensor, a tuple or list of tensors, or a "
                          "Dict[str, Tensor]",
                          result.tagKind()));
}

}  // namespace mmkd::torchscript
