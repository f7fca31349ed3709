//! What the [`TextReader`] finds on a submission's sides: the MRZ (on a passport's data page,
//! an ID card's back) and the printed front's fields. Each side is read at most once; a
//! passport's data page serves both. Reader errors and "no reader" become reasons, never data.

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::checks::front::{self, FrontFields};
use crate::checks::mrz_read::{self, ReadZone};
use crate::checks::{barcode, mrz};
use crate::raster::DecodedImage;
use crate::text::{TextLine, TextReader, NO_TEXT_READER};
use crate::GovernmentIdInput;

/// The reading of one submission.
pub(crate) struct Reading {
    /// The front's fields, or why they were not read.
    pub front: Result<FrontFields, String>,
    /// MRZ text to parse (supplied, or read and corrected) and why there is none.
    pub mrz_text: Result<String, String>,
    /// The zone as read, when it was read from the image.
    pub zone: Option<ReadZone>,
}

impl Reading {
    /// What `id_mrz`'s details add about the reading.
    pub fn mrz_details(&self) -> Value {
        match &self.zone {
            Some(z) => {
                json!({"source": "ocr", "lines_read": z.read, "lines_corrected": z.corrected, "corrections": z.corrections})
            }
            None if self.mrz_text.is_ok() => json!({"source": "supplied"}),
            None => Value::Null,
        }
    }
}

fn read(
    reader: &dyn TextReader,
    side: Option<&DecodedImage>,
    label: &str,
) -> Result<Vec<TextLine>, String> {
    let side = side.ok_or_else(|| format!("the {label} image did not decode"))?;
    match reader.read(&side.gray) {
        Ok(Some(lines)) => Ok(lines),
        Ok(None) => Err(NO_TEXT_READER.to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads the sides `input` calls for.
pub(crate) fn read_sides(
    input: &GovernmentIdInput,
    front: Option<&DecodedImage>,
    back: Option<&DecodedImage>,
    reader: &dyn TextReader,
    today: NaiveDate,
) -> Reading {
    let front_lines = read(reader, front, "front");
    let wants_mrz = mrz::applies(&input.id_class, &input.country);
    let (mrz_text, zone) = match (&input.mrz_text, wants_mrz) {
        (Some(text), _) => (Ok(text.clone()), None),
        (None, false) => (
            Err(format!(
                "no machine-readable zone is expected on a {} from {}",
                input.id_class, input.country
            )),
            None,
        ),
        (None, true) => {
            // Passports carry the zone on the data page; ID cards on the back.
            let lines = if input.id_class == "pp" || back.is_none() {
                front_lines.clone()
            } else {
                read(reader, back, "back")
            };
            match lines.map(|l| mrz_read::find_zone(&l, today)) {
                Ok(Some(z)) => (Ok(z.text()), Some(z)),
                Ok(None) => (
                    Err("no machine-readable zone was found in the text read".to_owned()),
                    None,
                ),
                Err(e) => (Err(format!("the MRZ could not be read: {e}")), None),
            }
        }
    };
    let day_first = !barcode::applies("dl", &input.country);
    let front = front_lines.map(|lines| front::parse(&lines, day_first));
    Reading {
        front,
        mrz_text,
        zone,
    }
}
