import io

from integrations.zoho.multipart import MultipartFile


def test_the_body_is_the_file_between_its_part_header_and_the_closing_boundary_and_reads_again_from_the_start():
    data = bytes(range(256)) * 1000
    body = MultipartFile("file", "records.zip", "application/zip", io.BytesIO(data))
    boundary = body.content_type.split("boundary=")[1]

    whole = body.read()

    assert len(whole) == len(body)
    assert whole.startswith(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="records.zip"'
                            f"\r\nContent-Type: application/zip\r\n\r\n".encode())
    assert whole.endswith(f"\r\n--{boundary}--\r\n".encode()) and data in whole
    assert body.read() == b""
    body.seek(0)
    assert b"".join(iter(lambda: body.read(1000), b"")) == whole  # in blocks, as the socket takes them
    body.seek(0)
    assert b"".join(body) == whole
