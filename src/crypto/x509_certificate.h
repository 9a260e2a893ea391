// The acceptance test Nova applies to an imported x509 keypair: pyca/cryptography 38's
// load_pem_x509_certificate, reproduced so keypaird takes exactly the certificates Nova took.
// pyca finds the PEM block with the Rust pem crate 1.0.2 and parses the DER with rust-asn1
// 0.12 into its own Certificate structure; OpenSSL's parser accepts and refuses different
// inputs (it is lenient about DER, strict about name strings), so it cannot stand in here.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace keypaird::crypto {

// The DER inside the first "CERTIFICATE" or "X509 CERTIFICATE" PEM block, or an invalid_input
// Status saying why there is none. As pyca's find_in_pem: every BEGIN/END block in the text must
// be well formed (matching labels, UTF-8, valid base64) or nothing is returned at all.
Result<std::string> find_pem_certificate(std::string_view text);

// ok when pyca 38 would load `der` as a certificate (its structure in strict DER, version v1 or
// v3); otherwise an invalid_input Status whose message is the reason it would not.
Status check_certificate_der(std::string_view der);

}  // namespace keypaird::crypto
