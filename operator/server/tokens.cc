#include <fstream>

#include "base/log.h"
#include "operator/server/server.h"

namespace converge::server {

Tokens::Tokens(std::vector<std::filesystem::path> files) {
  for (std::filesystem::path& path : files) files_.push_back(File{.path = std::move(path)});
}

void Tokens::SetSecretTokens(std::vector<std::string> tokens) {
  std::lock_guard lock(mu_);
  secret_tokens_ = std::move(tokens);
}

Status Tokens::Load() {
  std::lock_guard lock(mu_);
  for (File& file : files_) {
    if (Status s = Refresh(file, true); !s.ok()) return s;
  }
  return Status();
}

Status Tokens::Refresh(File& file, bool force) {
  std::error_code error;
  std::filesystem::file_time_type modified = std::filesystem::last_write_time(file.path, error);
  uintmax_t size = error ? 0 : std::filesystem::file_size(file.path, error);
  if (error)
    return Status::Unavailable("token file " + file.path.string() + ": " + error.message());
  if (!force && modified == file.modified && size == file.size) return Status();
  std::ifstream in(file.path);
  if (!in) return Status::Unavailable("token file " + file.path.string() + ": cannot be read");
  std::vector<std::string> tokens;
  for (std::string line; std::getline(in, line);) {
    size_t end = line.find_last_not_of(" \t\r");
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin != std::string::npos) tokens.push_back(line.substr(begin, end - begin + 1));
  }
  file.tokens = std::move(tokens);
  file.modified = modified;
  file.size = size;
  return Status();
}

bool Tokens::Accepts(std::string_view token) {
  std::lock_guard lock(mu_);
  bool accepted = false;
  // Every token is compared, so the time taken tells nothing about which came close.
  auto compare = [&](const std::vector<std::string>& tokens) {
    for (const std::string& candidate : tokens) accepted |= ConstantTimeEquals(candidate, token);
  };
  for (File& file : files_) {
    if (Status s = Refresh(file, false); !s.ok()) log::Debug(s.message());
    compare(file.tokens);
  }
  compare(secret_tokens_);
  return accepted;
}

}  // namespace converge::server
