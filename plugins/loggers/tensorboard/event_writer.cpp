#include "event_writer.hpp"

#include "crc32c.hpp"

#include <mmkd/error.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace mmkd::tensorboard {

namespace {

void append_little_endian(std::string& out, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

}  // namespace

std::string tfrecord(std::string_view data) {
  std::string record;
  append_little_endian(record, data.size(), 8);
  append_little_endian(record, masked_crc32c(record), 4);
  record.append(data);
  append_little_endian(record, masked_crc32c(data), 4);
  return record;
}

EventWriter::EventWriter(std::string path)
    : path_(std::move(path)), file_(path_, std::ios::binary | std::ios::app) {
  if (!file_) throw Error("cannot open the TensorBoard event file " + path_ + ": " + std::strerror(errno));
}

void EventWriter::write(std::string_view event) {
  const std::string record = tfrecord(event);
  file_.write(record.data(), static_cast<std::streamsize>(record.size()));
  file_.flush();
  if (!file_) throw Error("cannot write the TensorBoard event file " + path_ + ": " + std::strerror(errno));
}

}  // namespace mmkd::tensorboard
