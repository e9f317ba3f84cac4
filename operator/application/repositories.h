#pragma once
// operator/application/repositories.h: Git credentials from Kubernetes Secrets, as Argo CD
// keeps them. A Secret labelled `converge.dev/secret-type: repository` holds the credentials of
// one repository; `repo-creds` is a template for every repository whose URL starts with its
// `url` (the longest prefix wins, a repository's own Secret before any template). Keys of
// `data`:
//   url (required), username, password, bearerToken, sshPrivateKey, sshPassphrase,
//   knownHosts (OpenSSH known_hosts lines), caData (PEM bundle of HTTPS certificate authorities)
// Key material is written to owner-only files under a directory of the operator's, because
// libgit2 reads keys and CA bundles from files.

#include <filesystem>
#include <string>
#include <vector>

#include "kube/kube.h"
#include "sources/git/git.h"

namespace converge::app {

inline constexpr char kSecretTypeLabel[] = "converge.dev/secret-type";
inline constexpr char kSecretTypeRepository[] = "repository";
inline constexpr char kSecretTypeRepoCreds[] = "repo-creds";

struct RepositoryCredentials {
  // Repositories' own Secrets first, then templates, each group in Secret name order.
  std::vector<sources::git::CredentialRule> rules;
  // One message per Secret that could not be used, naming the Secret and the key but never a
  // value: "Secret converge/github: data.url is required".
  std::vector<std::string> errors;
};

// `secrets` are the labelled Secrets (others are ignored). `material_dir` receives the key
// files; `default_known_hosts` applies to Secrets without knownHosts.
RepositoryCredentials ReadRepositoryCredentials(const std::vector<kube::Object>& secrets,
                                                const std::filesystem::path& material_dir,
                                                const std::filesystem::path& default_known_hosts);

}  // namespace converge::app
