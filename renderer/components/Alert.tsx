// An error message announced to assistive technology; nothing when there is no message.
export function Alert(props: { message: string | null }) {
  return props.message ? (
    <div className="error" role="alert">
      {props.message}
    </div>
  ) : null;
}
