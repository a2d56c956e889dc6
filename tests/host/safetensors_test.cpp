#include "expect_contains.hpp"
#include "mmkd_testing.hpp"

#include <mmkd/error.hpp>
#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using mmkd::testing::read_file;
using mmkd::testing::TempDir;
using mmkd::testing::write_file;

namespace {

std::string u64_le(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

// A safetensors file as the format describes it: length, JSON header, data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

std::string error_reading(const std::string& path) {
  try {
    mmkd::SafetensorsFile file(path);
  } catch (const mmkd::Error& e) {
    return e.what();
  }
  return "no error";
}

std::string error_reading_header(const TempDir& dir, const std::string& header, const std::string& data) {
  std::string path = dir.file("bad.safetensors");
  write_file(path, safetensors_bytes(header, data));
  return error_reading(path);
}

void expect_same_tensor(const torch::Tensor& expected, const torch::Tensor& actual) {
  EXPECT_EQ(actual.scalar_type(), expected.scalar_type());
  EXPECT_EQ(actual.sizes(), expected.sizes());
  EXPECT_TRUE(torch::equal(actual, expected.contiguous())) << expected << actual;
}


}  // namespace

TEST(Safetensors, RoundTripsEveryDtype) {
  TempDir dir;
  mmkd::TensorMap tensors{
      {"f64", torch::tensor({1.5, -2.25}, torch::kFloat64)},
      {"f32", torch::arange(6, torch::kFloat32).reshape({2, 3})},
      {"f16", torch::tensor({0.5, -1.0, 65504.0}).to(torch::kFloat16)},
      {"bf16", torch::tensor({1.0, -3.5, 1e30}).to(torch::kBFloat16)},
      {"i64", torch::tensor({int64_t(-1), int64_t(1) << 40}, torch::kInt64)},
      {"i32", torch::tensor({-7, 2147483647}, torch::kInt32)},
      {"i16", torch::tensor({-300, 300}, torch::kInt16)},
      {"i8", torch::tensor({-128, 127}, torch::kInt8)},
      {"u8", torch::tensor({0, 255}, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true}, torch::kBool)},
  };
  mmkd::write_safetensors(dir.file("all.safetensors"), tensors);
  mmkd::TensorMap read = mmkd::read_safetensors(dir.file("all.safetensors"));
  ASSERT_EQ(read.size(), tensors.size());
  for (const auto& [key, tensor] : tensors) {
    SCOPED_TRACE(key);
    expect_same_tensor(tensor, read.at(key));
  }
}

TEST(Safetensors, RoundTripsScalarEmptyAndNonContiguousTensors) {
  TempDir dir;
  torch::Tensor transposed = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();
  mmkd::TensorMap tensors{{"scalar", torch::tensor(3.25)},
                          {"empty", torch::zeros({0, 4})},
                          {"transposed", transposed},
                          {"trainable", torch::ones({2}, torch::requires_grad())}};
  mmkd::write_safetensors(dir.file("t.safetensors"), tensors);
  mmkd::TensorMap read = mmkd::read_safetensors(dir.file("t.safetensors"));
  EXPECT_EQ(read.at("scalar").dim(), 0);
  EXPECT_EQ(read.at("scalar").item<float>(), 3.25f);
  expect_same_tensor(tensors.at("empty"), read.at("empty"));
  expect_same_tensor(transposed, read.at("transposed"));
  expect_same_tensor(torch::ones({2}), read.at("trainable"));
  EXPECT_FALSE(read.at("trainable").requires_grad());
}

TEST(Safetensors, RoundTripsMetadata) {
  TempDir dir;
  mmkd::write_safetensors(dir.file("m.safetensors"), {{"w", torch::ones({1})}}, {{"format", "pt"}, {"step", "12"}});
  mmkd::SafetensorsFile file(dir.file("m.safetensors"));
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"step", "12"}}));
  EXPECT_EQ(file.keys(), std::vector<std::string>{"w"});
}

TEST(Safetensors, ReadsAFileWrittenByHandInTheSpecLayout) {
  TempDir dir;
  // b: F32 [2] = {1.5, -2.0}; a: I64 scalar = 258; z: F32 [0, 3]; stored b, a, z.
  std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[],"data_offsets":[8,16]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0,3],"data_offsets":[16,16]}}  )";
  std::string data("\x00\x00\xc0\x3f\x00\x00\x00\xc0\x02\x01\x00\x00\x00\x00\x00\x00", 16);
  write_file(dir.file("hand.safetensors"), safetensors_bytes(header, data));

  mmkd::SafetensorsFile file(dir.file("hand.safetensors"));
  EXPECT_EQ(file.keys(), (std::vector<std::string>{"b", "a", "z"}));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.entry("b").begin, 0u);
  EXPECT_EQ(file.entry("b").end, 8u);
  expect_same_tensor(torch::tensor({1.5f, -2.0f}), file.tensor("b"));
  expect_same_tensor(torch::tensor(int64_t(258)), file.tensor("a"));
  expect_same_tensor(torch::zeros({0, 3}), file.tensor("z"));
}

TEST(Safetensors, WritesTheSpecLayout) {
  TempDir dir;
  mmkd::write_safetensors(dir.file("w.safetensors"),
                          {{"b", torch::tensor({1.5f})}, {"a", torch::tensor({int16_t(-2)}, torch::kInt16)}});
  std::string bytes = read_file(dir.file("w.safetensors"));
  ASSERT_GE(bytes.size(), 8u);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ(header_size % 8, 0u);
  ASSERT_EQ(bytes.size(), 8 + header_size + 6);
  std::string header = bytes.substr(8, header_size);
  EXPECT_EQ(header.find_last_not_of(' '), header.find_last_of('}'));
  EXPECT_EQ(nlohmann::json::parse(header), nlohmann::json::parse(R"({
      "a": {"dtype": "I16", "shape": [1], "data_offsets": [0, 2]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}})"));
  EXPECT_EQ(bytes.substr(8 + header_size), std::string("\xfe\xff\x00\x00\xc0\x3f", 6));
}

TEST(Safetensors, WriteRejectsUnsupportedDtypeNamingTheKey) {
  TempDir dir;
  try {
    mmkd::write_safetensors(dir.file("c.safetensors"), {{"phase", torch::ones({2}, torch::kComplexFloat)}});
    FAIL() << "no error";
  } catch (const mmkd::Error& e) {
    EXPECT_CONTAINS(e.what(), "`phase`");
    EXPECT_CONTAINS(e.what(), "ComplexFloat");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.safetensors")));
}

TEST(Safetensors, RejectsFileShorterThanHeaderLength) {
  TempDir dir;
  write_file(dir.file("short.safetensors"), "abc");
  std::string error = error_reading(dir.file("short.safetensors"));
  EXPECT_CONTAINS(error, dir.file("short.safetensors"));
  EXPECT_CONTAINS(error, "3 bytes, shorter than its 8-byte header length");
}

TEST(Safetensors, RejectsMissingFile) {
  TempDir dir;
  EXPECT_CONTAINS(error_reading(dir.file("none.safetensors")), "cannot open safetensors file " + dir.file("none.safetensors"));
}

TEST(Safetensors, RejectsHeaderOverTheLimit) {
  TempDir dir;
  write_file(dir.file("huge.safetensors"), u64_le(100'000'001) + "{}");
  std::string error = error_reading(dir.file("huge.safetensors"));
  EXPECT_CONTAINS(error, dir.file("huge.safetensors"));
  EXPECT_CONTAINS(error, "header of 100000001 bytes is over the limit of 100000000");
}

TEST(Safetensors, RejectsHeaderPastTheEndOfTheFile) {
  TempDir dir;
  write_file(dir.file("cut.safetensors"), u64_le(100) + "{}");
  std::string error = error_reading(dir.file("cut.safetensors"));
  EXPECT_CONTAINS(error, dir.file("cut.safetensors"));
  EXPECT_CONTAINS(error, "header of 100 bytes runs past the end of the 10-byte file");
}

TEST(Safetensors, RejectsMalformedJsonAndNonObjectHeader) {
  TempDir dir;
  EXPECT_CONTAINS(error_reading_header(dir, R"({"a":)", ""), "malformed JSON header");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"a": 1e999999})", ""), "malformed JSON header");  // found by fuzzing
  EXPECT_CONTAINS(error_reading_header(dir, "[1, 2]", ""), "header is not a JSON object");
  EXPECT_CONTAINS(error_reading_header(dir, "[1, 2]", ""), dir.file("bad.safetensors"));
}

TEST(Safetensors, RejectsEntriesWithMissingFieldsOrWrongTypes) {
  TempDir dir;
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "tensor `w`: missing `dtype`");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", "abcd"),
                  "tensor `w`: missing `shape`");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[1]}})", "abcd"),
                  "tensor `w`: missing `data_offsets`");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":[1]})", "abcd"), "tensor `w`: expected an object");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "tensor `w`: dtype must be a string");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"),
                  "tensor `w`: shape must be a list of non-negative integers");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd"),
                  "tensor `w`: data_offsets must be a list of two non-negative integers");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"__metadata__":{"step":12}})", ""),
                  "__metadata__ must map strings to strings");
}

TEST(Safetensors, RejectsUnknownDtypeNamingIt) {
  TempDir dir;
  std::string error =
      error_reading_header(dir, R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "a");
  EXPECT_CONTAINS(error, dir.file("bad.safetensors"));
  EXPECT_CONTAINS(error, "tensor `w`: unknown dtype `F8_E4M3` (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
}

TEST(Safetensors, RejectsOffsetsOutsideDataOrNotMatchingShape) {
  TempDir dir;
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "abcd"),
                  "tensor `w`: data_offsets end 8 is outside the data section of 4 bytes");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", "abcd"),
                  "tensor `w`: data_offsets begin 4 is after end 0");
  EXPECT_CONTAINS(error_reading_header(dir, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"),
                  "tensor `w`: data_offsets span 4 bytes, but dtype F32 and its shape need 8");
}

// As the reference implementation: the tensors' bytes tile the data section exactly, so no two
// tensors share bytes and nothing hides after the last one.
TEST(Safetensors, RejectsOverlapsGapsAndTrailingBytes) {
  TempDir dir;
  const std::string a = R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_CONTAINS(error_reading_header(dir, "{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", "abcdef"),
                  "tensor `b` starts at data byte 2, expected 4 (it overlaps the tensor before it)");
  EXPECT_CONTAINS(error_reading_header(dir, "{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "starts at data byte 0, expected 4 (it overlaps");
  EXPECT_CONTAINS(error_reading_header(dir, "{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[6,10]}})",
                                       "abcdefghij"),
                  "tensor `b` starts at data byte 6, expected 4 (a gap follows");
  EXPECT_CONTAINS(error_reading_header(dir, "{" + a + "}", "abcdXY"), "2 bytes follow the last tensor's data");
  EXPECT_EQ(error_reading_header(dir, "{" + a + R"(,"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})", "abcd"),
            "no error");
}

TEST(Safetensors, MissingKeyIsNamedWithASuggestion) {
  TempDir dir;
  mmkd::write_safetensors(dir.file("k.safetensors"), {{"encoder.weight", torch::ones({1})}});
  mmkd::SafetensorsFile file(dir.file("k.safetensors"));
  EXPECT_FALSE(file.contains("encoder.wieght"));
  try {
    file.tensor("encoder.wieght");
    FAIL() << "no error";
  } catch (const mmkd::Error& e) {
    EXPECT_CONTAINS(e.what(), "has no tensor `encoder.wieght` (did you mean `encoder.weight`?); tensors: encoder.weight");
  }
}
