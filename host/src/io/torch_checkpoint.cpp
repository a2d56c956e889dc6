#include "io/torch_checkpoint.hpp"

#include "io/file_mapping.hpp"
#include "io/restricted_unpickler.hpp"
#include "io/stored_zip.hpp"
#include "io/torch_storages.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace mmkd {

namespace {

using pickle::ValueKind;

// torch.save's legacy files start with pickles of this number (0x1950a86a20f9469cfc6c, as
// pickle's little-endian LONG1 bytes), of the protocol version 1001 and of a system info dict.
const std::string kLegacyMagicNumber("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
constexpr int64_t kLegacyProtocolVersion = 1001;

pickle::ValuePtr no_persistent_ids(const pickle::Value&, const std::string& file) {
  throw Error(file + ": a persistent id outside the object pickle of a legacy checkpoint");
}

TorchCheckpoint read_zip_checkpoint(const std::string& path, std::string_view bytes) {
  const auto members = read_stored_zip(path, bytes);
  std::string root;
  for (const auto& [name, data] : members)
    if (name.size() > 9 && name.compare(name.size() - 9, 9, "/data.pkl") == 0 && name.find('/') == name.size() - 9)
      root = name.substr(0, name.size() - 9);
  if (root.empty()) throw Error(path + " is a zip archive without data.pkl: not a torch.save checkpoint");
  auto byteorder = members.find(root + "/byteorder");
  if (byteorder != members.end() && byteorder->second != "little")
    throw Error(fmt::format("{} was saved on a {}-endian machine; mmkd reads little-endian checkpoints", path,
                            byteorder->second));

  const auto unpickled = pickle::unpickle(members.at(root + "/data.pkl"), 0, path, [&](const pickle::Value& id) {
    return storage_of_persistent_id(id, path);
  });
  rebuild_tensors(unpickled.tensors, [&](const std::string& key) {
    auto member = members.find(root + "/data/" + key);
    if (member == members.end())
      throw Error(fmt::format("{}: the archive has no {}/data/{}, the storage a tensor names", path, root, key));
    return member->second;
  }, path);
  return {unpickled.root, "torch.save zip"};
}

class LegacyStream {
 public:
  LegacyStream(const std::string& path, std::string_view bytes) : path_(path), bytes_(bytes) {}

  pickle::Unpickled next_pickle(const pickle::PersistentLoad& persistent_load) {
    auto unpickled = pickle::unpickle(bytes_, at_, path_, persistent_load);
    at_ = unpickled.end;
    return unpickled;
  }

  pickle::ValuePtr next_header_pickle() {
    return next_pickle([&](const pickle::Value& id) { return no_persistent_ids(id, path_); }).root;
  }

  std::string_view take(uint64_t count, const std::string& what) {
    if (count > bytes_.size() - at_)
      throw Error(fmt::format("{}: truncated: {} needs {} bytes at byte {}, the file has {} left", path_, what, count,
                              at_, bytes_.size() - at_));
    std::string_view taken = bytes_.substr(at_, count);
    at_ += count;
    return taken;
  }

 private:
  const std::string& path_;
  std::string_view bytes_;
  size_t at_ = 0;
};

void check_legacy_header(const std::string& path, LegacyStream& stream) {
  const pickle::ValuePtr magic = stream.next_header_pickle();
  if (magic->kind != ValueKind::big_integer || magic->text != kLegacyMagicNumber)
    throw Error(path + " is a pickle but not a PyTorch checkpoint: it lacks torch.save's magic number");
  const pickle::ValuePtr protocol = stream.next_header_pickle();
  if (protocol->kind != ValueKind::integer || protocol->integer != kLegacyProtocolVersion)
    throw Error(fmt::format("{}: legacy checkpoint of protocol {}, expected {}", path, describe(*protocol),
                            kLegacyProtocolVersion));
  const pickle::ValuePtr system = stream.next_header_pickle();
  const pickle::ValuePtr little_endian = system->kind == ValueKind::dict ? system->find("little_endian") : nullptr;
  if (little_endian && little_endian->kind == ValueKind::boolean && !little_endian->boolean)
    throw Error(path + " was saved on a big-endian machine; mmkd reads little-endian checkpoints");
}

TorchCheckpoint read_legacy_checkpoint(const std::string& path, std::string_view bytes) {
  LegacyStream stream(path, bytes);
  check_legacy_header(path, stream);
  std::map<std::string, torch::ScalarType> storage_dtypes;
  const auto unpickled = stream.next_pickle([&](const pickle::Value& id) {
    pickle::ValuePtr storage = storage_of_persistent_id(id, path);
    storage_dtypes.emplace(storage->storage.key, storage->storage.dtype);
    return storage;
  });
  const pickle::ValuePtr keys = stream.next_header_pickle();
  if (keys->kind != ValueKind::list) throw Error(path + ": the storage key list is " + describe(*keys));

  std::map<std::string, std::string_view> storages;
  for (const auto& key : keys->items) {
    auto dtype = key->kind == ValueKind::string ? storage_dtypes.find(key->text) : storage_dtypes.end();
    if (dtype == storage_dtypes.end())
      throw Error(fmt::format("{}: the storage key list names {}, which no tensor uses", path, describe(*key)));
    const std::string what = "storage " + key->text;
    uint64_t count = 0;
    std::memcpy(&count, stream.take(8, what).data(), 8);
    const uint64_t element_size = c10::elementSize(dtype->second);
    if (count > bytes.size() / element_size)
      throw Error(fmt::format("{}: truncated or corrupt: {} claims {} elements, more than the file holds", path, what,
                              count));
    storages[key->text] = stream.take(count * element_size, what);
  }
  rebuild_tensors(unpickled.tensors, [&](const std::string& key) {
    auto storage = storages.find(key);
    if (storage == storages.end()) throw Error(fmt::format("{}: storage {} is not in the file", path, key));
    return storage->second;
  }, path);
  return {unpickled.root, "legacy torch.save (torch < 1.6)"};
}

}  // namespace

TorchCheckpoint read_torch_checkpoint(const std::string& path) {
  const FileMapping file(path);
  const std::string_view bytes = file.bytes();
  if (looks_like_zip(bytes)) return read_zip_checkpoint(path, bytes);
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == 0x80) return read_legacy_checkpoint(path, bytes);
  throw Error(path + " is neither a torch.save zip archive nor a legacy PyTorch checkpoint");
}

}  // namespace mmkd
