//! `clipnote pick-region [--json]`: drag a rectangle on a full-screen overlay and print it as
//! `X,Y,W,H` — what `clipnote record --region` takes.

use clap::Args;

use super::UserError;
use crate::exit;

#[derive(Debug, Args)]
pub struct PickRegionArgs {
    /// Print {"x":…,"y":…,"width":…,"height":…} instead of X,Y,W,H.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: PickRegionArgs) -> anyhow::Result<()> {
    let Some([x, y, w, h]) = crate::ui::region::pick_alone()? else {
        return Err(UserError::new(
            exit::FAILURE,
            "no region was chosen (Esc, or the overlay was closed): run it again and drag over the area to record",
        )
        .into());
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "x": x, "y": y, "width": w, "height": h })
        );
    } else {
        println!("{x},{y},{w},{h}");
    }
    Ok(())
}
