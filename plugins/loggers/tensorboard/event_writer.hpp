#pragma once
// A TensorBoard event file: serialized Events appended as TFRecord records, flushed one by one.
#include <fstream>
#include <string>
#include <string_view>

namespace mmkd::tensorboard {

// The data's length (uint64 little endian), the length's masked CRC-32C, the data, the data's masked CRC-32C.
std::string tfrecord(std::string_view data);

class EventWriter {
 public:
  explicit EventWriter(std::string path);  // appends to `path`, creating it
  void write(std::string_view event);      // one record, flushed
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream file_;
};

}  // namespace mmkd::tensorboard
