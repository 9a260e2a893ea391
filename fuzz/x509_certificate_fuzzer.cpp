// libFuzzer target: any bytes as an x509 import (PEM text), and the same bytes as the DER the
// PEM would carry, so mutations reach the certificate parser without first surviving base64.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/base64.h"
#include "crypto/keys.h"
#include "crypto/x509_certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keypaird::crypto;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto as_pem = x509_certificate_fingerprint(bytes);
  if (as_pem.is_ok() && as_pem->size() != 59) std::abort();

  if (bytes.empty()) return 0;
  std::string wrapped =
      "-----BEGIN CERTIFICATE-----\n" + base64_encode(bytes) + "\n-----END CERTIFICATE-----\n";
  auto found = find_pem_certificate(wrapped);
  if (!found.is_ok() || *found != bytes) std::abort();  // our own encoding must round-trip
  bool refused = !check_certificate_der(bytes).is_ok();
  auto as_der = x509_certificate_fingerprint(wrapped);
  if (as_der.is_ok() == refused) std::abort();
  return 0;
}
