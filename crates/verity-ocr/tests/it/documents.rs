//! Passports, ID cards and licences read by the embedded models: the valid documents pass with
//! their MRZ and printed front read, and each variant fails exactly the check it targets.

use verity_checks::fixtures::{
    fixed_today, id_card, id_card_td2, licence_read, passport_read, Capture, IdFixture, ReadVariant,
};
use verity_checks::{names, run_government_id, CheckStatus, GovernmentIdReport, RequiredChecks};

fn run(f: &IdFixture) -> GovernmentIdReport {
    run_government_id(&f.input, &f.context(fixed_today()), crate::ocr())
}

fn failed(report: &GovernmentIdReport) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .map(|c| c.name.as_str())
        .collect()
}

fn status(report: &GovernmentIdReport, name: &str) -> Option<CheckStatus> {
    report.check(name).map(|c| c.status)
}

#[test]
fn a_scanned_passport_passes_with_its_mrz_read() {
    let f = passport_read(ReadVariant::Valid, Capture::Scan, fixed_today());
    let report = run(&f);
    assert_eq!(failed(&report), Vec::<&str>::new(), "{:#?}", report.checks);
    for name in [names::ID_MRZ, names::ID_FRONT_MRZ, names::ID_CLASS] {
        assert_eq!(status(&report, name), Some(CheckStatus::Passed), "{name}");
    }
    let mrz = report.check(names::ID_MRZ).expect("listed");
    let expected: Vec<&str> = f.mrz_text.as_deref().unwrap_or_default().lines().collect();
    assert_eq!(mrz.details["lines_corrected"], serde_json::json!(expected));
    assert_eq!(report.extracted.name_last.as_deref(), Some("MUNOZ RIOS"));
    assert!(report.passed(&RequiredChecks::default()));
}

#[test]
fn each_passport_variant_fails_its_check_and_no_other() {
    let cases = [
        (ReadVariant::BadMrzDigit, names::ID_MRZ),
        (ReadVariant::EditedFrontName, names::ID_FRONT_MRZ),
        (ReadVariant::Expired, names::ID_EXPIRY),
        (ReadVariant::WrongClass, names::ID_CLASS),
    ];
    for (variant, check) in cases {
        let report = run(&passport_read(variant, Capture::Scan, fixed_today()));
        assert_eq!(
            failed(&report),
            vec![check],
            "{variant:?}: {:#?}",
            report.checks
        );
    }
}

#[test]
fn photographed_documents_pass_too() {
    let passport = run(&passport_read(
        ReadVariant::Valid,
        Capture::Photo,
        fixed_today(),
    ));
    assert_eq!(
        failed(&passport),
        Vec::<&str>::new(),
        "{:#?}",
        passport.checks
    );
    assert_eq!(status(&passport, names::ID_MRZ), Some(CheckStatus::Passed));
    let card = run(&id_card(ReadVariant::Valid, Capture::Photo, fixed_today()));
    assert_eq!(failed(&card), Vec::<&str>::new(), "{:#?}", card.checks);
    assert_eq!(
        status(&card, names::ID_FRONT_MRZ),
        Some(CheckStatus::Passed)
    );
}

#[test]
fn id_cards_read_front_and_back() {
    let report = run(&id_card(ReadVariant::Valid, Capture::Scan, fixed_today()));
    assert_eq!(failed(&report), Vec::<&str>::new(), "{:#?}", report.checks);
    for name in [names::ID_MRZ, names::ID_FRONT_MRZ, names::ID_CLASS] {
        assert_eq!(status(&report, name), Some(CheckStatus::Passed), "{name}");
    }
    let cases = [
        (ReadVariant::BadMrzDigit, names::ID_MRZ),
        (ReadVariant::EditedFrontName, names::ID_FRONT_MRZ),
    ];
    for (variant, check) in cases {
        let report = run(&id_card(variant, Capture::Scan, fixed_today()));
        assert_eq!(
            failed(&report),
            vec![check],
            "{variant:?}: {:#?}",
            report.checks
        );
    }
}

#[test]
fn td2_id_cards_read_their_two_lines_of_36() {
    let f = id_card_td2(ReadVariant::Valid, Capture::Scan, fixed_today());
    let report = run(&f);
    assert_eq!(failed(&report), Vec::<&str>::new(), "{:#?}", report.checks);
    for name in [names::ID_MRZ, names::ID_FRONT_MRZ, names::ID_CLASS] {
        assert_eq!(status(&report, name), Some(CheckStatus::Passed), "{name}");
    }
    let mrz = report.check(names::ID_MRZ).expect("listed");
    assert_eq!(mrz.details["format"], "td2");
    let expected: Vec<&str> = f.mrz_text.as_deref().unwrap_or_default().lines().collect();
    assert_eq!(mrz.details["lines_corrected"], serde_json::json!(expected));
    assert_eq!(report.extracted.name_last.as_deref(), Some("MUNOZ RIOS"));
    let photo = run(&id_card_td2(
        ReadVariant::Valid,
        Capture::Photo,
        fixed_today(),
    ));
    assert_eq!(failed(&photo), Vec::<&str>::new(), "{:#?}", photo.checks);
    let cases = [
        (ReadVariant::BadMrzDigit, names::ID_MRZ),
        (ReadVariant::EditedFrontName, names::ID_FRONT_MRZ),
    ];
    for (variant, check) in cases {
        let report = run(&id_card_td2(variant, Capture::Scan, fixed_today()));
        assert_eq!(
            failed(&report),
            vec![check],
            "{variant:?}: {:#?}",
            report.checks
        );
    }
}

#[test]
fn a_licence_front_edited_with_its_barcode_kept_fails_only_the_front_barcode_check() {
    let valid = run(&licence_read(
        ReadVariant::Valid,
        Capture::Scan,
        fixed_today(),
    ));
    assert_eq!(failed(&valid), Vec::<&str>::new(), "{:#?}", valid.checks);
    assert_eq!(
        status(&valid, names::ID_FRONT_BARCODE),
        Some(CheckStatus::Passed)
    );
    let edited = run(&licence_read(
        ReadVariant::EditedFrontName,
        Capture::Scan,
        fixed_today(),
    ));
    assert_eq!(
        failed(&edited),
        vec![names::ID_FRONT_BARCODE],
        "{:#?}",
        edited.checks
    );
    let reasons = &edited
        .check(names::ID_FRONT_BARCODE)
        .expect("listed")
        .reasons;
    assert!(
        reasons.iter().any(|r| r.starts_with("name_last:")),
        "{reasons:?}"
    );
    let wrong = run(&licence_read(
        ReadVariant::WrongClass,
        Capture::Scan,
        fixed_today(),
    ));
    assert_eq!(failed(&wrong), vec![names::ID_CLASS], "{:#?}", wrong.checks);
}

#[test]
fn a_models_directory_without_the_files_is_a_clear_error() {
    let dir = std::env::temp_dir().join("verity-ocr-no-models");
    let err = verity_ocr::Ocr::from_dir(&dir).expect_err("no model files there");
    assert!(matches!(err, verity_ocr::OcrError::Io { .. }), "{err}");
    assert!(err.to_string().contains(verity_ocr::DETECTOR_FILE), "{err}");
}
