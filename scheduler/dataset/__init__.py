"""The dataset a county hands us: schema, validation, import and export."""
