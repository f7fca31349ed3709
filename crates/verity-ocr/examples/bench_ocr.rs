//! OCR benchmark: `N` synthetic passports and ID cards (TD1 and TD2; default 200) with random
//! holders and random capture distortions, read by the embedded models. Prints the share of MRZs read
//! exactly after correction, the character error rate of the zone before and after correction,
//! per-field accuracy of the printed front, time per document (median, p99) and peak memory.
//! The front's document number is scored as `run_government_id` compares it — cross-read
//! against a valid zone's over letter/digit look-alikes (`front::cross_read_number`) — and,
//! on its own line, as the free decode read it.
//!
//! Its random generator (xorshift64*, seeded from the command line, default 0x5EED_0C12) and its
//! distortions (rotation up to ±2.5°, down-scaling to 70–100 %, gamma, Gaussian noise, JPEG
//! quality 55–90) are its own: the tests use the fixtures' fixed data and `photograph`.
//!
//! `cargo run --release -p verity-ocr --example bench_ocr [-- N [SEED]]`; with
//! `BENCH_OCR_VERBOSE=1` each document misread is printed (zone read, corrected and expected;
//! the front's rows, fields and holder), and `BENCH_OCR_DUMP=DIR` also saves the distorted
//! images there.

use std::time::Instant;

use chrono::NaiveDate;
use image::{imageops, GrayImage, RgbImage};
use verity_checks::checks::{front, mrz, mrz_read};
use verity_checks::fixtures::{id_card_of, passport_of, CardFormat, Holder};
use verity_checks::text::TextLine;
use verity_ocr::Ocr;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn word(rng: &mut Rng) -> String {
    const SYLLABLES: [&str; 24] = [
        "AN", "BE", "CA", "DO", "EL", "FRA", "GI", "HO", "IS", "JU", "KA", "LO", "MA", "NE", "OR",
        "PE", "QUI", "RA", "SO", "TA", "UR", "VI", "WE", "ZO",
    ];
    (0..2 + rng.below(2))
        .map(|_| SYLLABLES[rng.below(24) as usize])
        .collect()
}

fn date(rng: &mut Rng, from_year: i32, span: u64) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
    start + chrono::Days::new(rng.below(span * 365))
}

fn holder(rng: &mut Rng) -> Holder {
    let alnum = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let number: String = std::iter::once(char::from(b'A' + rng.below(26) as u8))
        .chain((0..8).map(|_| char::from(alnum[rng.below(alnum.len() as u64) as usize])))
        .collect();
    let last = if rng.below(3) == 0 {
        format!("{} {}", word(rng), word(rng))
    } else {
        word(rng)
    };
    Holder {
        name_first: word(rng),
        name_middle: word(rng),
        name_last: last,
        birthdate: date(rng, 1945, 60),
        expiration_date: date(rng, 2027, 10),
        document_number: number,
    }
}

/// Rotation, scale, gamma, noise and JPEG, all drawn from `rng`.
fn distort(img: &RgbImage, rng: &mut Rng) -> GrayImage {
    let gray = imageops::grayscale(img);
    let angle = (rng.unit() - 0.5) * 5.0f32.to_radians();
    let (s, c) = angle.sin_cos();
    let (w, h) = (gray.width() as f32, gray.height() as f32);
    let rotated = GrayImage::from_fn(gray.width(), gray.height(), |x, y| {
        let (dx, dy) = (x as f32 - w / 2.0, y as f32 - h / 2.0);
        let (sx, sy) = (dx * c + dy * s + w / 2.0, -dx * s + dy * c + h / 2.0);
        if sx >= 0.0 && sy >= 0.0 && sx < w - 1.0 && sy < h - 1.0 {
            *gray.get_pixel(sx as u32, sy as u32)
        } else {
            image::Luma([90])
        }
    });
    let scale = 0.7 + 0.3 * rng.unit();
    let mut small = imageops::resize(
        &rotated,
        (w * scale) as u32,
        (h * scale) as u32,
        imageops::FilterType::Triangle,
    );
    let gamma = 0.7 + 0.6 * rng.unit();
    for p in small.pixels_mut() {
        let noise = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 12.0;
        let v = 255.0 * (f32::from(p.0[0]) / 255.0).powf(gamma) + noise;
        p.0[0] = v.clamp(0.0, 255.0) as u8;
    }
    let quality = 55 + rng.below(36) as u8;
    let mut jpeg = Vec::new();
    let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode_image(&small)
        .and_then(|()| image::load_from_memory(&jpeg));
    encoded.map(|i| i.to_luma8()).unwrap_or(small)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// CPU seconds this thread has used (user + system, from `/proc/thread-self/stat`, in the
/// kernel's USER_HZ = 100 ticks): on a shared machine wall time says more about the neighbours.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

#[derive(Default)]
struct Tally {
    docs: usize,
    exact: usize,
    errors_before: usize,
    errors_after: usize,
    chars: usize,
    fields: [(usize, usize); 5],
    /// The document number as the free decode read it, before the cross-read with the zone.
    number_free: (usize, usize),
    /// MRZs read exactly and documents, per format: TD3, TD1, TD2.
    by_format: [(usize, usize); 3],
    seconds: Vec<f64>,
    cpu_seconds: Vec<f64>,
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn score_front(t: &mut Tally, f: &front::FrontFields, h: &Holder) {
    let given = format!("{} {}", h.name_first, h.name_middle);
    let checks = [
        f.name_last.as_deref().map(fold) == Some(fold(&h.name_last)),
        f.name_first.as_deref().map(fold) == Some(fold(&given)),
        f.birthdate == Some(h.birthdate),
        f.expiration_date == Some(h.expiration_date),
        f.document_number.as_deref() == Some(h.document_number.as_str()),
    ];
    for (slot, ok) in t.fields.iter_mut().zip(checks) {
        slot.0 += usize::from(ok);
        slot.1 += 1;
    }
}

/// What was read where the document was not read right: the zone read, corrected and
/// expected, and the front's rows beside the fields found and the holder printed.
fn report_failures(
    front_lines: &[TextLine],
    zone_lines: &[TextLine],
    read: Option<&mrz_read::ReadZone>,
    zone: &str,
    fields: &front::FrontFields,
    h: &Holder,
) {
    if read.map(mrz_read::ReadZone::text).as_deref() != Some(zone) {
        let rows: Vec<&str> = zone_lines.iter().map(|l| l.mrz.as_str()).collect();
        eprintln!("MRZ expected {zone:?}\n    read {read:?}\n    lines {rows:?}");
    }
    let mut probe = Tally::default();
    score_front(&mut probe, fields, h);
    if probe.fields.iter().any(|&(ok, _)| ok == 0) {
        eprintln!(
            "FRONT rows {:?}\n    fields {fields:?}\n    holder {h:?}",
            front::rows(front_lines)
        );
    }
}

fn one(ocr: &Ocr, rng: &mut Rng, t: &mut Tally, today: NaiveDate) {
    let h = holder(rng);
    // A third each: passports (TD3), TD1 cards, TD2 cards.
    let format = rng.below(3) as usize;
    let (front_img, back_img, zone) = match format {
        0 => {
            let (page, zone) = passport_of(&h);
            (page, None, zone)
        }
        1 => {
            let (f, b, zone) = id_card_of(&h, CardFormat::Td1);
            (f, Some(b), zone)
        }
        _ => {
            let (f, b, zone) = id_card_of(&h, CardFormat::Td2);
            (f, Some(b), zone)
        }
    };
    let front_gray = distort(&front_img, rng);
    let back_gray = back_img.map(|b| distort(&b, rng));
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let front_lines = ocr.read_lines(&front_gray).unwrap_or_default();
    let zone_lines = match &back_gray {
        Some(b) => ocr.read_lines(b).unwrap_or_default(),
        None => front_lines.clone(),
    };
    let read = mrz_read::find_zone(&zone_lines, today);
    let free = front::parse(&front_lines, true);
    let fields = cross_read(&free, read.as_ref(), today);
    t.seconds.push(start.elapsed().as_secs_f64());
    t.cpu_seconds.push(thread_cpu_seconds() - cpu_start);
    if std::env::var_os("BENCH_OCR_VERBOSE").is_some() {
        eprintln!(
            "DOC {} {}",
            t.docs,
            ["passport", "TD1 card", "TD2 card"][format]
        );
        report_failures(&front_lines, &zone_lines, read.as_ref(), &zone, &fields, &h);
        if let Some(dir) = std::env::var_os("BENCH_OCR_DUMP") {
            let dir = std::path::PathBuf::from(dir);
            let _ = front_gray.save(dir.join(format!("{}-front.png", t.docs)));
            if let Some(b) = &back_gray {
                let _ = b.save(dir.join(format!("{}-back.png", t.docs)));
            }
        }
    }
    t.docs += 1;
    t.chars += zone.len();
    let (before, after) = read.as_ref().map_or((String::new(), String::new()), |z| {
        (z.read.join("\n"), z.text())
    });
    t.errors_before += edit_distance(&before, &zone);
    t.errors_after += edit_distance(&after, &zone);
    t.exact += usize::from(after == zone);
    t.by_format[format].0 += usize::from(after == zone);
    t.by_format[format].1 += 1;
    score_front(t, &fields, &h);
    t.number_free.0 += usize::from(free.document_number.as_deref() == Some(&*h.document_number));
    t.number_free.1 += 1;
}

/// The front as `run_government_id` compares it with the zone: the printed document number
/// cross-read against a valid zone's over letter/digit look-alikes only
/// (`front::cross_read_number`).
fn cross_read(
    free: &front::FrontFields,
    read: Option<&mrz_read::ReadZone>,
    today: NaiveDate,
) -> front::FrontFields {
    let zone = read.and_then(|z| mrz::parse(&z.text(), today).ok());
    let mut fields = free.clone();
    if let (Some(printed), Some(zone)) = (&free.document_number, zone) {
        fields.document_number = Some(front::cross_read_number(printed, &zone.document_number));
    }
    fields
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(200)
        .max(1);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0x5EED_0C12);
    let load = Instant::now();
    let ocr = Ocr::embedded().expect("the embedded models load");
    println!("models loaded in {:.2} s", load.elapsed().as_secs_f64());
    let mut rng = Rng(seed | 1);
    let mut t = Tally::default();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    for _ in 0..n {
        one(&ocr, &mut rng, &mut t, today);
    }
    t.seconds.sort_by(f64::total_cmp);
    t.cpu_seconds.sort_by(f64::total_cmp);
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "documents {} (passports, TD1 and TD2 cards, seed {seed})",
        t.docs
    );
    println!("mrz_exact_pct {:.1}", pct(t.exact, t.docs));
    for (name, (ok, all)) in ["td3", "td1", "td2"].iter().zip(t.by_format) {
        println!("mrz_exact_{name}_pct {:.1} of {all}", pct(ok, all));
    }
    println!("mrz_cer_before_pct {:.2}", pct(t.errors_before, t.chars));
    println!("mrz_cer_after_pct {:.2}", pct(t.errors_after, t.chars));
    for (name, (ok, all)) in [
        "name_last",
        "name_first",
        "birthdate",
        "expiration_date",
        "document_number",
    ]
    .iter()
    .zip(t.fields)
    {
        println!("front_{name}_pct {:.1}", pct(ok, all));
    }
    println!(
        "front_document_number_free_decode_pct {:.1} (before the cross-read with the zone)",
        pct(t.number_free.0, t.number_free.1)
    );
    println!(
        "seconds_per_document_median {:.3}",
        percentile(&t.seconds, 50.0)
    );
    println!(
        "seconds_per_document_p99 {:.3}",
        percentile(&t.seconds, 99.0)
    );
    println!(
        "cpu_seconds_per_document_median {:.3}",
        percentile(&t.cpu_seconds, 50.0)
    );
    println!(
        "cpu_seconds_per_document_p99 {:.3}",
        percentile(&t.cpu_seconds, 99.0)
    );
    println!("peak_memory_mib {:.0}", peak_memory_mib());
}
