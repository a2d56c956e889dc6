#pragma once
// tensorflow.Event protobufs, encoded by hand: the fields of event.proto, summary.proto and
// tensor.proto (tensorboard/compat/proto) that the tensorboard logger writes.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mmkd::tensorboard {

// Protobuf wire format: each call appends one field.
class ProtoWriter {
 public:
  void varint(int field, uint64_t value);
  void float32(int field, float value);
  void float64(int field, double value);
  void bytes(int field, std::string_view value);  // strings, bytes and nested messages
  const std::string& str() const { return out_; }

 private:
  void key(int field, int wire_type);
  void raw_varint(uint64_t value);
  void little_endian(uint64_t value, int size);

  std::string out_;
};

// The first event of a file: its format, "brain.Event:2".
std::string file_version_event(double wall_time);

// One Summary.Value per metric: the metric's name as tag, its value as simple_value.
std::string scalars_event(double wall_time, int64_t step, const std::map<std::string, double>& metrics);

// A scalar DT_STRING tensor for TensorBoard's text plugin, which renders it as markdown.
std::string text_event(double wall_time, int64_t step, const std::string& tag, const std::string& markdown);

}  // namespace mmkd::tensorboard
