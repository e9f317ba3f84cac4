#pragma once
// base/file.h: whole-file reads and writes for small files (credentials, kubeconfigs,
// certificates).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace converge {

// The bytes of `path`, or nullopt when it cannot be opened.
std::optional<std::string> ReadFile(const std::filesystem::path& path);

// The remaining bytes of an open descriptor, or nullopt on a read error. Does not close `fd`.
std::optional<std::string> ReadDescriptor(int fd);

// Replaces `path` with `data` readable by the owner only (0600), atomically: readers see the
// old bytes or the new ones, never a part. Creates missing parent directories (0700).
Status WritePrivateFile(const std::filesystem::path& path, std::string_view data);

}  // namespace converge
