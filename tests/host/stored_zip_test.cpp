#include "expect_error.hpp"
#include "io/stored_zip.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct ZipMember {
  std::string name, data;
};

std::string little_endian(uint64_t value, int width) {
  std::string bytes;
  for (int i = 0; i < width; ++i) bytes += static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

// A zip archive whose headers give every size and offset as 0xffffffff and the values in zip64
// extra fields and records, as zip writers do for members and archives over 4 GiB.
std::string zip64_archive(const std::vector<ZipMember>& members, uint16_t method = 0) {
  const std::string in_zip64_fields = little_endian(0xffffffff, 4);
  const std::string version = little_endian(45, 2), no_flags = little_endian(0, 2);
  const std::string time_date_crc = little_endian(0, 8);
  std::string archive, directory;
  for (const auto& member : members) {
    const uint64_t offset = archive.size(), size = member.data.size();
    const std::string name_length = little_endian(member.name.size(), 2);
    const std::string sizes = little_endian(size, 8) + little_endian(size, 8);  // uncompressed, compressed
    archive += little_endian(0x04034b50, 4) + version + no_flags + little_endian(method, 2) + time_date_crc +
               in_zip64_fields + in_zip64_fields + name_length + little_endian(20, 2) + member.name +
               little_endian(1, 2) + little_endian(16, 2) + sizes + member.data;
    const std::string comment_disk_attributes = little_endian(0, 2) + little_endian(0, 2) + little_endian(0, 6);
    directory += little_endian(0x02014b50, 4) + version + version + no_flags + little_endian(method, 2) +
                 time_date_crc + in_zip64_fields + in_zip64_fields + name_length + little_endian(28, 2) +
                 comment_disk_attributes + in_zip64_fields + member.name + little_endian(1, 2) + little_endian(24, 2) +
                 sizes + little_endian(offset, 8);
  }
  const uint64_t directory_offset = archive.size(), record_offset = directory_offset + directory.size();
  const std::string entries = little_endian(members.size(), 8);
  archive += directory;
  archive += little_endian(0x06064b50, 4) + little_endian(44, 8) + version + version + little_endian(0, 8) + entries +
             entries + little_endian(directory.size(), 8) + little_endian(directory_offset, 8);
  archive += little_endian(0x07064b50, 4) + little_endian(0, 4) + little_endian(record_offset, 8) + little_endian(1, 4);
  archive += little_endian(0x06054b50, 4) + little_endian(0, 4) + little_endian(0xffff, 2) + little_endian(0xffff, 2) +
             in_zip64_fields + in_zip64_fields + little_endian(0, 2);
  return archive;
}

TEST(StoredZip, ReadsMembersThroughZip64Records) {
  const std::string archive = zip64_archive({{"archive/data.pkl", "pickle"}, {"archive/data/0", std::string(16, '\7')}});
  ASSERT_TRUE(mmkd::looks_like_zip(archive));
  const auto members = mmkd::read_stored_zip("test.zip", archive);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members.at("archive/data.pkl"), "pickle");
  EXPECT_EQ(members.at("archive/data/0"), std::string(16, '\7'));
}

TEST(StoredZip, RefusesCompressedMembersAndTruncatedArchives) {
  mmkd::testing::expect_error_naming(
      [] { mmkd::read_stored_zip("test.zip", zip64_archive({{"archive/data.pkl", "x"}}, 8)); },
      {"test.zip: zip entry archive/data.pkl is compressed (method 8)"});
  const std::string archive = zip64_archive({{"archive/data.pkl", "pickle"}});
  mmkd::testing::expect_error_naming([&] { mmkd::read_stored_zip("test.zip", archive.substr(0, archive.size() - 5)); },
                                     {"test.zip: not a valid zip archive", "no end-of-central-directory record"});
  mmkd::testing::expect_error_naming([&] { mmkd::read_stored_zip("test.zip", archive.substr(30)); },
                                     {"test.zip: not a valid zip archive"});
}

}  // namespace
