#include "io/torch_storages.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace mmkd {

namespace {

torch::Tensor storage_copy(std::string_view bytes, const pickle::StorageRef& storage, const std::string& file) {
  const size_t element_size = c10::elementSize(storage.dtype);
  if (bytes.size() % element_size != 0)
    throw Error(fmt::format("{}: storage {} holds {} bytes, not a whole number of {} elements", file, storage.key,
                            bytes.size(), c10::toString(storage.dtype)));
  torch::Tensor copy = torch::empty({int64_t(bytes.size() / element_size)}, storage.dtype);
  if (!bytes.empty()) std::memcpy(copy.data_ptr(), bytes.data(), bytes.size());
  return copy;
}

// The last element a tensor reads, or -1 when it has none; throws for negative or overflowing values.
int64_t last_element(const pickle::TensorRecord& record, const std::string& file) {
  auto bad = [&](const std::string& what) {
    return Error(fmt::format("{}: corrupt tensor on storage {}: {}", file, record.storage.key, what));
  };
  if (record.storage_offset < 0) throw bad(fmt::format("storage offset {}", record.storage_offset));
  int64_t last = record.storage_offset;
  for (size_t i = 0; i < record.sizes.size(); ++i) {
    const int64_t size = record.sizes[i], stride = record.strides[i];
    if (size < 0 || stride < 0) throw bad(fmt::format("size {} with stride {}", size, stride));
    if (size == 0) return -1;
    int64_t reach = 0;
    if (__builtin_mul_overflow(size - 1, stride, &reach) || __builtin_add_overflow(last, reach, &last))
      throw bad("sizes and strides beyond 64 bits");
  }
  return last;
}

}  // namespace

pickle::ValuePtr storage_of_persistent_id(const pickle::Value& persistent_id, const std::string& file) {
  using pickle::ValueKind;
  const auto& items = persistent_id.items;
  const bool storage = persistent_id.kind == ValueKind::tuple && items.size() >= 5 &&
                       items[0]->kind == ValueKind::string && items[0]->text == "storage";
  if (!storage)
    throw Error(fmt::format("{}: the pickle loads {} by persistent id; mmkd reads storages only", file,
                            persistent_id.kind == ValueKind::tuple && !items.empty() ? describe(*items[0])
                                                                                      : describe(persistent_id)));
  if (items[1]->kind != ValueKind::global || items[1]->role != pickle::GlobalRole::storage_type)
    throw Error(fmt::format("{}: a storage of type {}", file, describe(*items[1])));
  if (items[2]->kind != ValueKind::string) throw Error(fmt::format("{}: a storage keyed {}", file, describe(*items[2])));
  if (items.size() > 5 && items[5]->kind != ValueKind::none)
    throw Error(fmt::format("{}: storage {} is a view of another storage (torch < 1.0); mmkd does not read those",
                            file, items[2]->text));
  pickle::ValuePtr value = pickle::make_value(ValueKind::storage);
  value->storage = {items[2]->text, items[1]->storage.dtype};
  return value;
}

void rebuild_tensors(const std::vector<std::shared_ptr<pickle::TensorRecord>>& records,
                     const std::function<std::string_view(const std::string& key)>& storage_bytes,
                     const std::string& file) {
  std::map<std::pair<std::string, torch::ScalarType>, torch::Tensor> storages;
  for (const auto& record : records) {
    torch::Tensor& storage = storages[{record->storage.key, record->storage.dtype}];
    if (!storage.defined()) storage = storage_copy(storage_bytes(record->storage.key), record->storage, file);
    const int64_t last = last_element(*record, file);
    if (last >= storage.numel())
      throw Error(fmt::format("{}: a tensor reaches element {} of storage {}, which holds {} {} elements", file, last,
                              record->storage.key, storage.numel(), c10::toString(record->storage.dtype)));
    record->tensor = storage.as_strided(record->sizes, record->strides, record->storage_offset);
  }
}

}  // namespace mmkd
