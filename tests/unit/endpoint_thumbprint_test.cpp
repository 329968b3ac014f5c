// Thumbprints as the inventory writes them and as the pin compares them.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "webhook/endpoint/thumbprint.hpp"

namespace hostadm::endpoint {
namespace {

// A self-signed certificate and its fingerprint as `openssl x509 -fingerprint -sha1` prints it.
constexpr const char* kCertificate = R"(-----BEGIN CERTIFICATE-----
MIIBlDCCATmgAwIBAgIUUaOj09CUXTTVOzk6j+A+n4xDWMkwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTZXN4LTAxLmV4YW1wbGUudGVzdDAgFw0yNjEyMDcwMDAyMzJa
GA8yMTI2MTExMzAwMDIzMlowHjEcMBoGA1UEAwwTZXN4LTAxLmV4YW1wbGUudGVz
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMdMycTt5xZ+LeN1gVT3FNjcj4WH
/CitgjfxuPvws4rAslN/mWjg6HHA+sxmTz4XijnZ4fce9U+W2U7W5cK6xnCjUzBR
MB0GA1UdDgQWBBQa2f9PaMOxp4Pfm8MaQ9G9+jwGAjAfBgNVHSMEGDAWgBQa2f9P
aMOxp4Pfm8MaQ9G9+jwGAjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kA
MEYCIQDsG/yQfBMQlnZHMWSIiMBF/I5Jt2uMRFQuxT7QHieg5QIhAKAx6S1i9Ket
5+riSqtpNz4TjZCjzLmQ8hRFl6TWa0GE
-----END CERTIFICATE-----
)";
constexpr const char* kFingerprint = "C2:21:82:52:EF:8D:3C:E3:8C:24:C7:E1:A8:E7:F4:D5:CD:46:09:E5";

TEST(ThumbprintTest, IsTheSha1OfTheCertificateInColonSeparatedUpperCaseHex) {
  BIO* bio = BIO_new_mem_buf(kCertificate, -1);
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(sha1_thumbprint(cert), kFingerprint);
  X509_free(cert);
  EXPECT_EQ(sha1_thumbprint(nullptr), "");
}

TEST(ThumbprintTest, ColonHexWritesTwoUpperCaseDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(colon_hex(bytes, 4), "00:0F:A0:FF");
  EXPECT_EQ(colon_hex(bytes, 1), "00");
  EXPECT_EQ(colon_hex(bytes, 0), "");
}

TEST(ThumbprintTest, ComparesDigitsIgnoringCaseColonsAndSpaces) {
  EXPECT_TRUE(same_thumbprint(kFingerprint, kFingerprint));
  EXPECT_TRUE(same_thumbprint(kFingerprint, "c2218252ef8d3ce38c24c7e1a8e7f4d5cd4609e5"));
  EXPECT_TRUE(
      same_thumbprint(kFingerprint, "c2 21 82 52 ef 8d 3c e3 8c 24 c7 e1 a8 e7 f4 d5 cd 46 09 e5"));
  EXPECT_FALSE(
      same_thumbprint(kFingerprint, "C2:21:82:52:EF:8D:3C:E3:8C:24:C7:E1:A8:E7:F4:D5:CD:46:09:E6"));
  EXPECT_FALSE(
      same_thumbprint(kFingerprint, "C2:21:82:52:EF:8D:3C:E3:8C:24:C7:E1:A8:E7:F4:D5:CD:46:09"));
}

TEST(ThumbprintTest, NothingMatchesAnEmptyOrNonHexThumbprint) {
  EXPECT_FALSE(same_thumbprint("", ""));
  EXPECT_FALSE(same_thumbprint(":::", ":::"));
  EXPECT_FALSE(same_thumbprint("GG:21", "GG:21"));
  EXPECT_FALSE(same_thumbprint(kFingerprint, ""));
}

}  // namespace
}  // namespace hostadm::endpoint
