//! The QR code of a one-time link, rendered on the server as SVG (the flow app stays free
//! of a QR encoder, and the code is the same in every browser).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG document encoding `text`. `None` only if `text` is too long for a QR code
/// (a link is a few dozen bytes; the limit is about 2 KB at this error-correction level).
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn a_link_renders_as_svg() {
        let s = svg("http://localhost:8080/verify?code=otl_abc").unwrap();
        assert!(
            s.starts_with("<?xml") || s.starts_with("<svg"),
            "{}",
            &s[..40]
        );
        assert!(s.contains("<svg") && s.contains("</svg>"));
    }
}
