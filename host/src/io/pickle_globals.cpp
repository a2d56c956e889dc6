#include "io/pickle_globals.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <map>
#include <set>

namespace mmkd::pickle {

namespace {

constexpr const char* kConvertedDtypes = "float64/32/16, bfloat16, int64/32/16/8, uint8 and bool";

const std::map<std::string, torch::ScalarType>& typed_storage_dtypes() {
  static const std::map<std::string, torch::ScalarType> dtypes = {
      {"DoubleStorage", torch::kFloat64}, {"FloatStorage", torch::kFloat32}, {"HalfStorage", torch::kFloat16},
      {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
      {"ShortStorage", torch::kInt16}, {"CharStorage", torch::kInt8}, {"ByteStorage", torch::kUInt8},
      {"BoolStorage", torch::kBool},
  };
  return dtypes;
}

const std::map<std::string, GlobalRole>& tensor_globals() {
  static const std::map<std::string, GlobalRole> globals = {
      {"collections.OrderedDict", GlobalRole::ordered_dict},
      {"torch._utils._rebuild_tensor", GlobalRole::rebuild_tensor},
      {"torch._utils._rebuild_tensor_v2", GlobalRole::rebuild_tensor},
      {"torch._utils._rebuild_parameter", GlobalRole::rebuild_parameter},
      {"torch._utils._rebuild_parameter_with_state", GlobalRole::rebuild_parameter},
  };
  return globals;
}

bool is_configuration_global(const std::string& module, const std::string& qualified) {
  static const std::set<std::string> globals = {
      "argparse.Namespace", "copyreg._reconstructor", "_codecs.encode", "collections.defaultdict",
      "builtins.dict", "builtins.list", "builtins.set", "builtins.frozenset", "builtins.tuple", "builtins.int",
      "builtins.float", "builtins.complex", "builtins.bool", "builtins.str", "builtins.bytes", "builtins.bytearray",
      "builtins.slice", "builtins.object", "builtins.range",
      "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray.scalar",
      "numpy._core.multiarray._reconstruct", "numpy.dtype", "numpy.ndarray",
      "pathlib.Path", "pathlib.PosixPath", "pathlib.PurePosixPath", "pathlib.WindowsPath", "pathlib.PureWindowsPath",
      "torch.device", "torch.Size", "torch.torch_version.TorchVersion",
      "torch.float64", "torch.float32", "torch.float16", "torch.bfloat16", "torch.int64", "torch.int32",
      "torch.int16", "torch.int8", "torch.uint8", "torch.bool", "torch.complex64", "torch.complex128",
  };
  static const std::set<std::string> packages = {"omegaconf", "fairseq", "typing", "enum", "numpy.dtypes"};
  if (globals.count(qualified)) return true;
  std::string package = module;
  while (!packages.count(package)) {
    const size_t dot = package.rfind('.');
    if (dot == std::string::npos) return false;
    package.resize(dot);
  }
  return true;
}

std::string python3_module(const std::string& module) {
  static const std::map<std::string, std::string> renamed = {
      {"__builtin__", "builtins"}, {"exceptions", "builtins"}, {"copy_reg", "copyreg"}, {"commands", "subprocess"}};
  auto it = renamed.find(module);
  return it == renamed.end() ? module : it->second;
}

ValuePtr global_value(const std::string& qualified, GlobalRole role) {
  ValuePtr value = make_value(ValueKind::global);
  value->text = qualified;
  value->role = role;
  return value;
}

}  // namespace

ValuePtr resolve_global(const std::string& python_module, const std::string& name, const std::string& file) {
  const std::string module = python3_module(python_module), qualified = module + "." + name;
  if (auto it = tensor_globals().find(qualified); it != tensor_globals().end()) return global_value(qualified, it->second);
  if (module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) {
    auto it = typed_storage_dtypes().find(name);
    if (it == typed_storage_dtypes().end())
      throw Error(fmt::format("{}: holds a {} tensor; mmkd converts {} tensors", file, qualified, kConvertedDtypes));
    ValuePtr value = global_value(qualified, GlobalRole::storage_type);
    value->storage.dtype = it->second;
    return value;
  }
  if (qualified == "torch._utils._rebuild_tensor_v3")
    throw Error(fmt::format("{}: holds a tensor of a dtype that has no typed storage ({}: uint16/32/64, float8, ...); "
                            "mmkd converts {} tensors",
                            file, qualified, kConvertedDtypes));
  if (is_configuration_global(module, qualified)) return global_value(qualified, GlobalRole::inert);
  throw Error(fmt::format("{}: refused to load: the pickle calls {}, which is neither a tensor, a container nor a known "
                          "configuration class; nothing in it was run",
                          file, qualified));
}

}  // namespace mmkd::pickle
