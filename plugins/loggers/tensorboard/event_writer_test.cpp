#include "event_writer.hpp"

#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmkd::tensorboard {
namespace {

using namespace std::string_literals;

// Length 3 as uint64 little endian, its masked CRC-32C, the data, the data's masked CRC-32C
// (checksums from TensorBoard's own masked_crc32c).
TEST(TensorboardEventWriter, RecordLayout) {
  EXPECT_EQ(tfrecord("abc"), "\x03\x00\x00\x00\x00\x00\x00\x00"s + "\xB0\x99\x49\x0E"s + "abc" + "\x6E\x57\xF1\x21"s);
  EXPECT_EQ(tfrecord("").size(), 16u);
}

TEST(TensorboardEventWriter, AppendsFlushedRecords) {
  mmkd::testing::TempDir dir;
  const std::string path = dir.file("events.out.tfevents.1.host");
  {
    EventWriter writer(path);
    writer.write("abc");
    EXPECT_EQ(mmkd::testing::read_file(path), tfrecord("abc"));  // on disk before the writer closes
  }
  EventWriter(path).write("de");
  EXPECT_EQ(mmkd::testing::read_file(path), tfrecord("abc") + tfrecord("de"));
}

TEST(TensorboardEventWriter, NamesTheFileItCannotOpen) {
  mmkd::testing::TempDir dir;
  const std::string path = dir.file("missing/events.out.tfevents.1.host");
  mmkd::testing::expect_error_naming([&] { EventWriter writer(path); }, {path});
}

}  // namespace
}  // namespace mmkd::tensorboard
