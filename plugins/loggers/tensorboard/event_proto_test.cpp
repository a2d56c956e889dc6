#include "event_proto.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmkd::tensorboard {
namespace {

using namespace std::string_literals;

const std::string kWallTime1_5 = "\x09\x00\x00\x00\x00\x00\x00\xF8\x3F"s;  // field 1, fixed64: 1.5

TEST(TensorboardEventProto, WireFormat) {
  ProtoWriter writer;
  writer.varint(1, 300);
  writer.varint(2, static_cast<uint64_t>(int64_t{-1}));
  writer.float32(3, 0.5f);
  writer.bytes(20, "ab");
  EXPECT_EQ(writer.str(), "\x08\xAC\x02"s                                       // 300: 7 bits a byte, low first
                          "\x10\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"s       // int64 -1: ten bytes
                          "\x1D\x00\x00\x00\x3F"s                               // fixed32 0.5
                          "\xA2\x01\x02" "ab"s);                                // key 20 << 3 | 2 = 162
}

TEST(TensorboardEventProto, FileVersionEvent) {
  EXPECT_EQ(file_version_event(1.5), kWallTime1_5 + "\x10\x00"s + "\x1A\x0D" "brain.Event:2"s);
}

// Event{wall_time, step, summary: Summary{value: [Value{tag, simple_value}]}}.
TEST(TensorboardEventProto, ScalarsEvent) {
  const std::string value = "\x0A\x01" "a"s + "\x15\x00\x00\x00\x3F"s;  // tag "a", simple_value 0.5f
  const std::string summary = "\x0A\x08"s + value;
  EXPECT_EQ(scalars_event(1.5, 3, {{"a", 0.5}}), kWallTime1_5 + "\x10\x03"s + "\x2A\x0A"s + summary);
}

// Value{tag, metadata: {plugin_data: {plugin_name: "text"}}, tensor: {dtype: DT_STRING, tensor_shape: {}, string_val}}.
TEST(TensorboardEventProto, TextEvent) {
  const std::string metadata = "\x0A\x06" "\x0A\x04" "text"s;
  const std::string tensor = "\x08\x07" "\x12\x00" "\x42\x01" "x"s;
  const std::string value = "\x0A\x01" "c"s + "\x4A\x08"s + metadata + "\x42\x07"s + tensor;
  const std::string summary = "\x0A\x16"s + value;
  EXPECT_EQ(text_event(1.5, 0, "c", "x"), kWallTime1_5 + "\x10\x00"s + "\x2A\x18"s + summary);
}

}  // namespace
}  // namespace mmkd::tensorboard
