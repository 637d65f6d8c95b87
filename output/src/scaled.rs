//! A drawing backend that draws every chart `k` times larger, for PNGs shown
//! on projectors (`--png-scale`). The charts lay themselves out in the same
//! logical pixels as at scale 1; this backend multiplies every coordinate,
//! stroke, radius and font size by `k` on the way to the bitmap, so a chart
//! at scale 2 has the same layout with twice the detail, not an enlarged
//! picture.

use plotters::prelude::*;
use plotters::style::{FontDesc, FontFamily};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

pub(crate) struct Scaled<DB> {
    inner: DB,
    k: u32,
}

impl<DB: DrawingBackend> Scaled<DB> {
    /// `inner` is `k` times the logical size in each direction.
    pub fn new(inner: DB, k: u32) -> Self {
        Self { inner, k: k.max(1) }
    }

    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (x * self.k as i32, y * self.k as i32)
    }
}

/// A stroke `k` times wider.
struct Wider {
    color: BackendColor,
    width: u32,
}

impl BackendStyle for Wider {
    fn color(&self) -> BackendColor {
        self.color
    }

    fn stroke_width(&self) -> u32 {
        self.width
    }
}

impl<DB: DrawingBackend> Scaled<DB> {
    fn wider<S: BackendStyle>(&self, s: &S) -> Wider {
        Wider { color: s.color(), width: s.stroke_width() * self.k }
    }
}

impl<DB: DrawingBackend> DrawingBackend for Scaled<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (w / self.k, h / self.k)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (x, y) = self.at(point);
        let k = self.k as i32;
        self.inner.draw_rect((x, y), (x + k - 1, y + k - 1), &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (from, to, style) = (self.at(from), self.at(to), self.wider(style));
        self.inner.draw_line(from, to, &style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (a, b, style) = (self.at(upper_left), self.at(bottom_right), self.wider(style));
        self.inner.draw_rect(a, b, &style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let points: Vec<BackendCoord> = path.into_iter().map(|p| self.at(p)).collect();
        let style = self.wider(style);
        self.inner.draw_path(points, &style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (center, style) = (self.at(center), self.wider(style));
        self.inner.draw_circle(center, radius * self.k, &style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let points: Vec<BackendCoord> = vert.into_iter().map(|p| self.at(p)).collect();
        let style = self.wider(style);
        self.inner.fill_polygon(points, &style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let family = style.family();
        let font = FontDesc::new(FontFamily::Name(family.as_str()), style.size() * f64::from(self.k), style.style())
            .transform(style.transform());
        let scaled = TextStyle { font, color: style.color(), pos: style.anchor() };
        let pos = self.at(pos);
        self.inner.draw_text(text, &scaled, pos)
    }
}
