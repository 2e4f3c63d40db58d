package dev.keel.tools;

/** The output formats of {@code keel dump}. */
enum DumpFormat {
    /** One line per record, payload previewed as printable ASCII or hex. */
    TEXT,
    /** One JSON object per line, payload in base64. */
    JSONL,
    /** The record's fields, then a hexdump -C of its payload. */
    HEX;

    RecordPrinter printer(int previewBytes) {
        return switch (this) {
            case TEXT -> new TextRecordPrinter(previewBytes);
            case JSONL -> new JsonlRecordPrinter();
            case HEX -> new HexRecordPrinter();
        };
    }
}
