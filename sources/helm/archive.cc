// Chart archives: gzip (zlib) around a tar stream, read the way Go's archive/tar reads the
// ustar, GNU long-name and PAX forms chart packagers write.

#include <cstring>

#include <zlib.h>

#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

constexpr size_t kBlock = 512;

Result<std::string> Gunzip(std::string_view bytes) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header is expected, not a raw zlib stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return Status::Internal("cannot initialise zlib");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[1 << 16];
  int code = Z_OK;
  while (code != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    code = inflate(&stream, Z_NO_FLUSH);
    if (code != Z_OK && code != Z_STREAM_END) {
      inflateEnd(&stream);
      return Status::Invalid(code == Z_BUF_ERROR ? "unexpected EOF" : "gzip: invalid header");
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
  }
  inflateEnd(&stream);
  return out;
}

std::string Field(const char* field, size_t size) {
  return std::string(field, strnlen(field, size));
}

uint64_t Octal(const char* field, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size && field[i] != '\0'; ++i) {
    if (field[i] >= '0' && field[i] <= '7')
      value = value * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  return value;
}

// The "path" record of a PAX extended header, or "".
std::string PaxPath(std::string_view records) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    if (space == std::string_view::npos) return "";
    size_t length = std::stoul(std::string(records.substr(0, space)));
    if (length == 0 || length > records.size()) return "";
    std::string_view record = records.substr(space + 1, length - space - 2);
    if (record.starts_with("path=")) return std::string(record.substr(5));
    records.remove_prefix(length);
  }
  return "";
}

}  // namespace

Result<std::vector<File>> ReadTarGz(std::string_view bytes) {
  Result<std::string> tar = Gunzip(bytes);
  if (!tar.ok()) return tar.status();
  std::vector<File> files;
  std::string long_name;
  size_t offset = 0;
  while (offset + kBlock <= tar->size()) {
    const char* header = tar->data() + offset;
    if (header[0] == '\0') break;
    uint64_t size = Octal(header + 124, 12);
    char type = header[156];
    offset += kBlock;
    if (offset + size > tar->size()) return Status::Invalid("unexpected EOF");
    std::string_view body(tar->data() + offset, size);
    offset += (size + kBlock - 1) / kBlock * kBlock;
    if (type == 'L') {
      long_name = Field(body.data(), body.size());
      continue;
    }
    if (type == 'x') {
      long_name = PaxPath(body);
      continue;
    }
    if (type == 'g') continue;
    std::string name = Field(header, 100);
    if (std::memcmp(header + 257, "ustar", 5) == 0 && header[345] != '\0') {
      name = Field(header + 345, 155) + "/" + name;
    }
    if (!long_name.empty()) name = std::move(long_name);
    long_name.clear();
    if (type != '0' && type != '\0' && type != '7') continue;  // directories, links, devices
    if (name.ends_with('/')) continue;
    files.push_back({.name = std::move(name), .data = std::make_shared<const std::string>(body)});
  }
  return files;
}

}  // namespace converge::sources::helm
