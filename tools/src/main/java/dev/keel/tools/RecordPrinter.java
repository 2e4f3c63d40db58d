package dev.keel.tools;

import java.io.PrintWriter;

/** How {@code keel dump} prints one record: one implementation per {@link DumpFormat}. */
interface RecordPrinter {
    void print(DumpedRecord record, PrintWriter out);
}
