#include "event_proto.hpp"

#include <cstring>

namespace mmkd::tensorboard {

namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

namespace event_field {  // tensorboard.Event
constexpr int wall_time = 1, step = 2, file_version = 3, summary = 5;
}
namespace summary_field {  // tensorboard.Summary
constexpr int value = 1;
}
namespace value_field {  // tensorboard.Summary.Value
constexpr int tag = 1, simple_value = 2, tensor = 8, metadata = 9;
}
namespace metadata_field {  // tensorboard.SummaryMetadata and its PluginData
constexpr int plugin_data = 1, plugin_name = 1;
}
namespace tensor_field {  // tensorboard.TensorProto
constexpr int dtype = 1, tensor_shape = 2, string_val = 8;
}
constexpr uint64_t kDtypeString = 7;  // tensorboard.DataType.DT_STRING

std::string encoded_event(double wall_time, int64_t step, int field, std::string_view content) {
  ProtoWriter event;
  event.float64(event_field::wall_time, wall_time);
  event.varint(event_field::step, static_cast<uint64_t>(step));
  event.bytes(field, content);
  return event.str();
}

}  // namespace

void ProtoWriter::varint(int field, uint64_t value) {
  key(field, kVarint);
  raw_varint(value);
}

void ProtoWriter::float32(int field, float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  key(field, kFixed32);
  little_endian(bits, 4);
}

void ProtoWriter::float64(int field, double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  key(field, kFixed64);
  little_endian(bits, 8);
}

void ProtoWriter::bytes(int field, std::string_view value) {
  key(field, kLengthDelimited);
  raw_varint(value.size());
  out_.append(value);
}

void ProtoWriter::key(int field, int wire_type) { raw_varint((static_cast<uint64_t>(field) << 3) | wire_type); }

void ProtoWriter::raw_varint(uint64_t value) {
  for (; value >= 0x80; value >>= 7) out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
  out_.push_back(static_cast<char>(value));
}

void ProtoWriter::little_endian(uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::string file_version_event(double wall_time) {
  return encoded_event(wall_time, 0, event_field::file_version, "brain.Event:2");
}

std::string scalars_event(double wall_time, int64_t step, const std::map<std::string, double>& metrics) {
  ProtoWriter summary;
  for (const auto& [name, value] : metrics) {
    ProtoWriter summary_value;
    summary_value.bytes(value_field::tag, name);
    summary_value.float32(value_field::simple_value, static_cast<float>(value));
    summary.bytes(summary_field::value, summary_value.str());
  }
  return encoded_event(wall_time, step, event_field::summary, summary.str());
}

std::string text_event(double wall_time, int64_t step, const std::string& tag, const std::string& markdown) {
  ProtoWriter plugin_data;
  plugin_data.bytes(metadata_field::plugin_name, "text");
  ProtoWriter metadata;
  metadata.bytes(metadata_field::plugin_data, plugin_data.str());
  ProtoWriter tensor;
  tensor.varint(tensor_field::dtype, kDtypeString);
  tensor.bytes(tensor_field::tensor_shape, "");  // no dimensions: a scalar
  tensor.bytes(tensor_field::string_val, markdown);
  ProtoWriter summary_value;
  summary_value.bytes(value_field::tag, tag);
  summary_value.bytes(value_field::metadata, metadata.str());
  summary_value.bytes(value_field::tensor, tensor.str());
  ProtoWriter summary;
  summary.bytes(summary_field::value, summary_value.str());
  return encoded_event(wall_time, step, event_field::summary, summary.str());
}

}  // namespace mmkd::tensorboard
