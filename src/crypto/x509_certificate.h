// The acceptance test Nova applies to an imported x509 keypair: pyca/cryptography 38's
// load_pem_x509_certificate, reproduced so keypaird takes exactly the certificates Nova took.
// pyca finds the PEM block with the Rust pem crate 1.0.2 and parses the DER with rust-asn1
// 0.12 into its own Certificate structure; OpenSSL's parser accepts and refuses different
// inputs (it is lenient about DER, strict about name strings), so it cannot stand in here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keypaird::crypto {

// The DER inside the first "CERTIFICATE" or "X509 CERTIFICATE" PEM block, or why there is none.
struct PemCertificate {
  std::optional<std::string> der;
  std::string error;
};

// pyca's find_in_pem: every BEGIN/END block in the text must be well formed (matching labels,
// UTF-8, valid base64) or nothing is returned at all.
PemCertificate find_pem_certificate(std::string_view text);

// nullopt when pyca 38 would load `der` as a certificate (its structure in strict DER, version
// v1 or v3); otherwise the reason it would not.
std::optional<std::string> certificate_der_problem(std::string_view der);

}  // namespace keypaird::crypto
