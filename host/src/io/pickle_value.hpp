#pragma once
// The values a restricted unpickler builds: Python's plain data, tensors, and inert placeholders
// for the configuration objects checkpoints hold (their class and recorded arguments; nothing of
// theirs is ever called).
#include <torch/types.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mmkd::pickle {

// A storage named by a persistent id: the bytes stored under `key`, read as `dtype`.
struct StorageRef {
  std::string key;
  torch::ScalarType dtype = torch::kFloat32;
};

// A tensor as torch._utils._rebuild_tensor_v2 describes it; `tensor` is set once the storages are read.
struct TensorRecord {
  StorageRef storage;
  int64_t storage_offset = 0;
  std::vector<int64_t> sizes, strides;
  torch::Tensor tensor;
};

// What restricted unpickling lets a global be.
enum class GlobalRole {
  ordered_dict,       // collections.OrderedDict: a dict
  rebuild_tensor,     // torch._utils._rebuild_tensor(_v2)
  rebuild_parameter,  // torch._utils._rebuild_parameter(_with_state): its tensor
  storage_type,       // torch.FloatStorage, ...: a dtype for persistent ids
  inert,              // a configuration class or function: calls on it are only recorded
};

enum class ValueKind { none, boolean, integer, big_integer, floating, string, bytes, tuple, list, set, dict, tensor,
                       object, global, storage };

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  ValueKind kind = ValueKind::none;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string text;  // string, bytes, big integer (two's complement, little-endian), class of an object or global
  std::vector<ValuePtr> items;                         // tuple, list, set; an object's constructor arguments
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // dict, in insertion order
  ValuePtr state;                                      // BUILD state of an object or dict
  GlobalRole role = GlobalRole::inert;                 // global
  StorageRef storage;                                  // storage
  std::shared_ptr<TensorRecord> tensor;                // tensor

  // dict: the value under a string key, or null.
  ValuePtr find(const std::string& key) const;
  // dict: sets `key` to `value`, replacing an equal string or integer key in place as Python does.
  void set_item(ValuePtr key, ValuePtr value);

 private:
  std::unordered_map<std::string, size_t> string_keys_;
};

ValuePtr make_value(ValueKind kind);

// "str 'model'", "int 3", "a tuple of 2", "argparse.Namespace object": for error messages.
std::string describe(const Value& value);

}  // namespace mmkd::pickle
