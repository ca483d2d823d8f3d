//! Fonts: egui's own cover Latin, Cyrillic and Greek; CJK comes from a system font
//! (`fonts-wqy-microhei` or `fonts-noto-cjk`), added as a fallback when installed.

use std::sync::Arc;

use eframe::egui;

/// Where Debian (and most distributions) put the CJK fonts we know, best first.
const CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// Adds the first CJK font found as a fallback for every text style. Returns its path, or
/// `None` (then CJK text shows as boxes, and the log says which package to install).
pub fn install(ctx: &egui::Context) -> Option<&'static str> {
    let found = CJK_FONTS
        .iter()
        .find_map(|path| std::fs::read(path).ok().map(|bytes| (*path, bytes)));
    let Some((path, bytes)) = found else {
        tracing::warn!(
            "no CJK font found: Chinese, Japanese and Korean text will show as boxes. Install fonts-wqy-microhei or fonts-noto-cjk"
        );
        return None;
    };
    let mut fonts = egui::FontDefinitions::default();
    fonts
        .font_data
        .insert("cjk".into(), Arc::new(egui::FontData::from_owned(bytes)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("cjk".into());
    }
    ctx.set_fonts(fonts);
    tracing::debug!(font = path, "CJK font loaded");
    Some(path)
}
