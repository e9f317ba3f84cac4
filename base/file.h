#pragma once
// base/file.h: whole-file reads for small files (credentials, kubeconfigs, certificates).

#include <filesystem>
#include <optional>
#include <string>

namespace converge {

// The bytes of `path`, or nullopt when it cannot be opened.
std::optional<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace converge
