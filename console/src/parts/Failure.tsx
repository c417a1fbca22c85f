/** Why something failed, as the API said it (or the network did), announced to screen readers; nothing when there is nothing to say. */
export function Failure({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}
