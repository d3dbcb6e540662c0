"""The tax office's file formats, one pure module each: fed plain records, yielding text as they go."""
