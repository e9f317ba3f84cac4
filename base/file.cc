#include "base/file.h"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace converge {

std::optional<std::string> ReadDescriptor(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return std::nullopt;
  std::string data;
  // The size is a hint: files such as those under /proc report 0 and grow while read.
  data.resize(S_ISREG(info.st_mode) && info.st_size > 0 ? static_cast<size_t>(info.st_size) : 4096);
  size_t used = 0;
  while (true) {
    // A full buffer has usually reached the end: a small read says so without growing it.
    char probe[256];
    bool full = used == data.size();
    ssize_t n =
        full ? ::read(fd, probe, sizeof probe) : ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    if (full) {
      data.resize(data.size() * 2 + sizeof probe);
      std::memcpy(data.data() + used, probe, static_cast<size_t>(n));
    }
    used += static_cast<size_t>(n);
  }
  data.resize(used);
  return data;
}

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> data = ReadDescriptor(fd);
  ::close(fd);
  return data;
}

Status WritePrivateFile(const std::filesystem::path& path, std::string_view data) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return Status::Internal("creating " + path.parent_path().string() + ": " + error.message());
  }
  std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  std::string temporary = path.string() + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("writing " + temporary + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status status = Status::Internal("writing " + temporary + ": " + std::strerror(errno));
      ::close(fd);
      ::unlink(temporary.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Status status = Status::Internal("renaming " + temporary + ": " + std::strerror(errno));
    ::unlink(temporary.c_str());
    return status;
  }
  return Status();
}

}  // namespace converge
