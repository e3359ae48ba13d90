package dev.hark.schemas.serde;

import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;

/** Generic records with the same logical types as the generated classes (timestamps as Instant). */
final class GenericModel {
    static final GenericData INSTANCE = create();

    private GenericModel() {
    }

    private static GenericData create() {
        GenericData model = new GenericData();
        model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        model.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
        model.addLogicalTypeConversion(new TimeConversions.DateConversion());
        return model;
    }
}
