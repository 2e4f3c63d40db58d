package dev.keel.tools;

import java.io.PrintWriter;

/**
 * {@code --format text}: the record's fields and a payload preview on one line. The preview is
 * the payload in quotes when its first bytes are printable ASCII, otherwise hex, and it says how
 * many bytes it left out.
 */
final class TextRecordPrinter implements RecordPrinter {
    private final int previewBytes;

    TextRecordPrinter(int previewBytes) {
        this.previewBytes = previewBytes;
    }

    @Override
    public void print(DumpedRecord r, PrintWriter out) {
        out.println(r.fields() + " payload: " + preview(r.payload()));
    }

    String preview(byte[] payload) {
        int shown = Math.min(previewBytes, payload.length);
        StringBuilder sb = new StringBuilder(shown * 2 + 24);
        if (printable(payload, shown)) {
            sb.append('"');
            for (int i = 0; i < shown; i++) {
                char c = (char) payload[i];
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
            sb.append('"');
        } else {
            sb.append("0x");
            for (int i = 0; i < shown; i++) {
                sb.append(Character.forDigit((payload[i] >> 4) & 0xF, 16)).append(Character.forDigit(payload[i] & 0xF, 16));
            }
        }
        if (shown < payload.length) {
            sb.append(" ... (+").append(payload.length - shown).append(" bytes)");
        }
        return sb.toString();
    }

    private static boolean printable(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] < 0x20 || b[i] > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
