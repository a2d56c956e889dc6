#include "crc32c.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmkd::tensorboard {
namespace {

std::string byte_sequence(int size, int first, int increment) {
  std::string bytes;
  for (int i = 0; i < size; ++i) bytes.push_back(static_cast<char>(first + i * increment));
  return bytes;
}

// The check value of CRC-32C and the test vectors of RFC 3720, B.4.
TEST(TensorboardCrc32c, KnownValues) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(byte_sequence(32, 0, 0)), 0x8A9136AAu);
  EXPECT_EQ(crc32c(byte_sequence(32, 0xFF, 0)), 0x62A8AB43u);
  EXPECT_EQ(crc32c(byte_sequence(32, 0, 1)), 0x46DD794Eu);
  EXPECT_EQ(crc32c(byte_sequence(32, 31, -1)), 0x113FDB5Cu);
}

// ((crc >> 15) | (crc << 17)) + 0xa282ead8, as TFRecord stores it.
TEST(TensorboardCrc32c, Masked) {
  EXPECT_EQ(masked_crc32c(""), 0xA282EAD8u);
  EXPECT_EQ(masked_crc32c("123456789"), 0xC78AB0E5u);
  EXPECT_EQ(masked_crc32c(byte_sequence(32, 0, 1)), 0x951F7892u);
}

}  // namespace
}  // namespace mmkd::tensorboard
