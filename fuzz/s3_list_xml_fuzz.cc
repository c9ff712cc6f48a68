// S3 XML answers (src/aws/s3_client.h, xml.h): ParseListObjectsV2 (the
// listing the s3:// store and the list-polling source page through), and
// the XmlText lookups of error, multipart and copy answers.
// Input: the XML body.
// Invariants: XmlDecode(XmlEscape(s)) == s; a listing written back as XML
// (keys and sizes escaped as S3 does) parses to the same keys and sizes.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/aws/s3_client.h"
#include "src/aws/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  using fuzz::Check;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);

  for (const char* name : {"Code", "Message", "UploadId", "ETag", "Key"}) (void)aws::XmlText(xml, name);
  Check(aws::XmlDecode(aws::XmlEscape(xml)) == xml, "XmlDecode(XmlEscape(s)) != s");

  auto page = aws::ParseListObjectsV2(xml);
  if (!page) {
    Check(page.error().code() == StatusCode::kDataLoss, "bad listing is not DataLoss",
          page.error().message());
    return 0;
  }
  std::string written = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>";
  for (const aws::S3Object& o : page->objects) {
    written += "<Contents><Key>" + aws::XmlEscape(o.key) + "</Key><Size>" + std::to_string(o.size) +
               "</Size></Contents>";
  }
  written += "<IsTruncated>" + std::string(page->truncated ? "true" : "false") + "</IsTruncated>";
  written += "</ListBucketResult>";
  auto again = aws::ParseListObjectsV2(written);
  Check(again.has_value() && again->objects.size() == page->objects.size() &&
            again->truncated == page->truncated,
        "listing written back parses otherwise", written);
  for (size_t i = 0; i < page->objects.size(); ++i) {
    Check(again->objects[i].key == page->objects[i].key && again->objects[i].size == page->objects[i].size,
          "object of a listing written back differs", written);
  }
  return 0;
}
