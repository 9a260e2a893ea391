// The acceptance test Nova applies to an imported OpenSSH public key: pyca/cryptography 38's
// serialization.load_ssh_public_key, reproduced check for check so keypaird refuses exactly
// the lines Nova refused.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"

namespace keypaird::crypto {

// What pyca/cryptography 38 checks when it loads `line` (the UTF-8 bytes of the key string):
// - the line starts with "<type>[ \t]+<base64>" (anything after the base64 is ignored);
// - <type> is ssh-rsa, ssh-dss, ecdsa-sha2-nistp256/384/521 or ssh-ed25519, optionally with
//   the "-cert-v01@openssh.com" suffix;
// - the base64 decodes (Python's lenient decoder) to a blob whose first string repeats <type>,
//   whose fields parse exactly with nothing left over, and whose key is usable: RSA n >= 3,
//   3 <= e < n, e odd; DSA p of 1024 bits, q of 160/224/256 bits, 1 < g < p; ECDSA on the
//   named curve as an uncompressed point; Ed25519 of 32 bytes.
// ok when pyca would load it; otherwise invalid_input with a short reason (for a log line).
Status check_openssh_public_key(std::string_view line);

// The modulus size in bits when `line` is a well-formed ssh-rsa key (or ssh-rsa certificate);
// nullopt for any other line.
std::optional<int> openssh_rsa_modulus_bits(std::string_view line);

}  // namespace keypaird::crypto
